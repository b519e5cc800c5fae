package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a probe. The zero value is usable.
type Options struct {
	// Timeout bounds every network step (resolve, connect, handshake,
	// request); 0 means 5s.
	Timeout time.Duration
	// Roots verifies certificate chains; nil means the system roots.
	Roots *x509.CertPool
	// Resolve maps name:port to an address, like curl --resolve.
	Resolve []Resolve
	// Parallel bounds how many targets RunAll probes at once; 0 means 16.
	Parallel int
	// Resolver looks names up; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// WarnDays: a certificate with fewer days left is a warning; 0 means
	// 30 (testssl.sh's threshold). NoticeDays: fewer days left is noted;
	// 0 means 60. Neither fails the target; an expired certificate does.
	WarnDays, NoticeDays int
	// Budget bounds the whole probe of one target (Timeout bounds each
	// step, and a target takes up to about ten steps); 0 means 3 × Timeout.
	// Checks still running when it ends fail, saying so.
	Budget time.Duration

	budgetEnd time.Time // set by Run

	// Insecure (curl -k) still verifies and reports every certificate
	// problem, but as a warning: it does not fail the target. A revoked
	// OCSP staple still does.
	Insecure bool
}

func (o Options) budget() time.Duration {
	if o.Budget <= 0 {
		return 3 * o.timeout()
	}
	return o.Budget
}

// describe is the package's describe with this probe's step timeout, and
// names the per-target budget when that is what ran out.
func (o Options) describe(err error, what string) string {
	if isTimeout(err) && !o.budgetEnd.IsZero() && !time.Now().Before(o.budgetEnd.Add(-10*time.Millisecond)) {
		return fmt.Sprintf("the target's time budget of %s ran out (during %s)", o.budget(), what)
	}
	return describe(err, what, o.timeout())
}

func (o Options) warnDays() int {
	if o.WarnDays <= 0 {
		return 30
	}
	return o.WarnDays
}

func (o Options) noticeDays() int {
	if o.NoticeDays <= 0 {
		return max(60, o.warnDays())
	}
	return max(o.NoticeDays, o.warnDays())
}

func (o Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 5 * time.Second
	}
	return o.Timeout
}

// Run probes one target and always returns a Result: failures are recorded
// in it, never returned. Checks on one target run one after another;
// cancelling ctx stops the probe promptly.
func Run(ctx context.Context, t Target, opts Options) (r Result) {
	start := time.Now()
	opts.budgetEnd = start.Add(opts.budget())
	ctx, cancel := context.WithDeadline(ctx, opts.budgetEnd)
	defer cancel()
	t = ApplyResolve(t, opts.Resolve)
	r = Result{Target: t, Expiry: ExpiryNone, OCSP: OCSPNone, insecure: opts.Insecure}
	if !t.IsIP() {
		r.Name = t.Host
	}
	defer func() {
		r.Duration = time.Since(start)
		cleanAll(&r) // before the verdict, which quotes the checks
		judge(&r)
		r.Verdict = verdict(&r)
	}()
	if t.Host == "" || t.Port < 1 || t.Port > 65535 {
		r.fail(StepTarget, "invalid target (use ParseTarget)", ClassInvalidTarget)
		return r
	}
	ips, err := resolve(ctx, &r, opts)
	if err != nil {
		r.fail(StepResolve, opts.describe(err, "resolve"), classOf(err))
		return r
	}
	// Like curl: when an address cannot be connected to, try the next one.
	for i, ip := range ips {
		r.Addr = net.JoinHostPort(ip, strconv.Itoa(t.Port))
		switch t.Scheme {
		case SchemeHTTP:
			runCleartext(ctx, &r, opts)
		default:
			runTLS(ctx, &r, opts)
		}
		if r.FailedStep != StepConnect || i == len(ips)-1 || ctx.Err() != nil {
			break
		}
		tried := append(r.Tried, r.Addr+": "+r.Err)
		r = Result{Target: r.Target, Name: r.Name, Resolved: r.Resolved, Tried: tried, Expiry: ExpiryNone, OCSP: OCSPNone, insecure: opts.Insecure}
	}
	if r.FailedStep == StepConnect && r.Addr != "" && !strings.Contains(r.Err, r.Addr) {
		r.Err += " (" + r.Addr + ")" // say where: discovery may have picked the address
	}
	if len(r.Tried) > 0 && r.Err == "" {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%d other address(es) could not be connected to: %s", len(r.Tried), strings.Join(r.Tried, "; ")))
	}
	return r
}

// resolve returns the addresses to connect to, in order.
func resolve(ctx context.Context, r *Result, opts Options) ([]string, error) {
	t := r.Target
	if t.Addr != "" {
		return append([]string{t.Addr}, t.MoreAddrs...), nil
	}
	if t.IsIP() {
		return []string{t.Host}, nil
	}
	res := opts.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	addrs, err := res.LookupIPAddr(ctx, t.Host)
	if err != nil {
		return nil, err
	}
	for _, a := range addrs {
		r.Resolved = append(r.Resolved, a.IP.String())
	}
	if len(r.Resolved) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", t.Host)
	}
	return r.Resolved, nil
}

// runTLS runs checks 1, 2, 3, 6 and 7 on an https (or auto) target.
func runTLS(ctx context.Context, r *Result, opts Options) {
	name, t := r.Name, r.Target
	verifyName := name
	if name == "" {
		verifyName = t.Host
	}
	var snConn *tls.Conn
	if name != "" {
		var err error
		r.TLS, snConn, err = tlsCheck(ctx, r.Addr, name, name, opts)
		if err != nil && t.Scheme == SchemeAuto && plaintextHTTP(err) {
			r.TLS = nil
			r.Target.Scheme = SchemeHTTP // the port answered plaintext HTTP
			runCleartext(ctx, r, opts)
			return
		}
		if err != nil && connLevel(err) {
			r.fail(netStep(err, StepTLS), r.TLS.Error, classOf(err))
			return
		}
	} else {
		r.TLS = &TLSCheck{Check: Check{Name: "tls", Status: StatusSkipped,
			Summary: "IP literal: no SNI can be sent (RFC 6066); see the no-SNI check"}}
	}
	if snConn != nil {
		r.OCSPStapled = r.TLS.OCSP
		r.H2 = httpCheck(ctx, snConn, name, opts)
	}

	noSNI, nsConn, err := tlsCheck(ctx, r.Addr, "", verifyName, opts)
	r.NoSNI = noSNI
	if err != nil {
		if name == "" && connLevel(err) {
			r.fail(netStep(err, StepTLS), noSNI.Error, classOf(err))
			return
		}
		if name != "" {
			noSNI.Status = StatusWarn
			noSNI.Summary = "clients without SNI are refused: " + noSNI.Error
		}
	}
	defaultName := t.DefaultName
	if nsConn != nil {
		if r.TLS.Cert != nil {
			same := noSNI.Cert.SHA256 == r.TLS.Cert.SHA256
			noSNI.SameAsSNI = &same
		}
		if defaultName == "" {
			defaultName = firstDNSName(noSNI.Cert)
		}
		noSNI.DefaultName = defaultName
		noSNIInfo(r, noSNI, defaultName)
		if name == "" {
			r.OCSPStapled = noSNI.OCSP
			r.H2 = httpCheck(ctx, nsConn, t.Host, opts)
			nsConn = nil
		}
	}
	if name != "" {
		// Ask with the default vhost's SNI even when it serves the same
		// certificate: vhosts sharing a wildcard but differing in
		// SSLProtocol or SSLVerifyClient answer 421, and that is exactly
		// where browsers reuse a connection across names.
		r.Misdirected = misdirectedCheck(ctx, r.Addr, name, defaultName, nsConn, opts)
	}
	if r.H2 != nil && r.H2.HSTS != "" {
		r.HSTS = r.H2.HSTS
	}
	main := r.TLS
	if name == "" {
		main = r.NoSNI
	}
	if main.Cert != nil {
		r.LegacyTLS = legacyCheck(ctx, r.Addr, name, opts)
		if len(r.LegacyTLS) > 0 {
			r.Warnings = append(r.Warnings, legacyWarning(r.LegacyTLS))
		}
	}
	gradeExpiry(r, main, opts)
	if st := main.Staple.Status; st != "" {
		r.OCSP = st
	}
}

// gradeExpiry sets DaysLeft and Expiry from the main certificate, and
// marks its check as a warning below WarnDays.
func gradeExpiry(r *Result, c *TLSCheck, opts Options) {
	if c == nil || c.Cert == nil {
		return
	}
	d := c.Cert.DaysLeft
	r.DaysLeft = d
	switch {
	case d < 0:
		r.Expiry = ExpiryExpired
	case d < opts.warnDays():
		r.Expiry = ExpiryWarn
		if c.Status == StatusOK || c.Status == StatusInfo {
			c.Status = StatusWarn
		}
		c.Summary += fmt.Sprintf("; expires in %dd (< %dd)", d, opts.warnDays())
	case d < opts.noticeDays():
		r.Expiry = ExpirySoon
	default:
		r.Expiry = ExpiryOK
	}
}

// noSNIInfo rewrites the no-SNI summary to say what it means, and adds the
// warnings an admin needs.
func noSNIInfo(r *Result, c *TLSCheck, defaultName string) {
	if r.Name == "" {
		// An IP target has no name the certificate should match: not a failure.
		if c.Status == StatusFail {
			c.Status = StatusInfo
		}
		c.Summary = "no SNI (IP target): " + c.Summary
		return
	}
	who := certLabel(c.Cert)
	switch {
	case c.SameAsSNI != nil && *c.SameAsSNI:
		c.Status = StatusOK
		c.Summary = "same certificate as with SNI (" + who + "): " + r.Name + " is the default vhost or shares its certificate"
	case c.Verified:
		c.Status = StatusOK
		c.Summary = "another certificate (" + who + "), also valid for " + r.Name
	default:
		c.Status = StatusWarn
		c.Summary = "clients without SNI get " + who + "'s certificate, not valid for " + r.Name
		if t := r.Target; t.DefaultName != "" && t.DefaultSource != "" {
			c.Summary += ": they reach the default vhost for this address and port, " + t.DefaultName + ", declared at " + t.DefaultSource
		}
	}
	t := r.Target
	if t.DefaultName != "" && c.Cert != nil {
		if err := certFor(c, t.DefaultName); err != nil {
			src := ""
			if t.DefaultSource != "" {
				src = " (" + t.DefaultSource + ")"
			}
			r.Warnings = append(r.Warnings, fmt.Sprintf("default vhost on %s is %s%s but clients without SNI get a certificate for %s: check which vhost is declared first", r.Addr, t.DefaultName, src, who))
		}
	}
}

// certFor checks that the certificate of c covers name.
func certFor(c *TLSCheck, name string) error {
	if NameMatches(c.Cert.DNSNames, name) {
		return nil
	}
	return fmt.Errorf("%s not covered", name)
}

// firstDNSName is the first non-wildcard DNS name of a certificate.
func firstDNSName(ci *CertInfo) string {
	if ci == nil {
		return ""
	}
	for _, n := range ci.DNSNames {
		if !strings.HasPrefix(n, "*") {
			return strings.ToLower(n)
		}
	}
	return ""
}

// httpCheck (check 3) sends a request on the connection made with SNI,
// in the protocol ALPN selected: an HTTP/2 request when it is h2.
func httpCheck(ctx context.Context, conn *tls.Conn, host string, opts Options) *HTTPCheck {
	start := time.Now()
	c := &HTTPCheck{}
	c.Name = "h2"
	alpn := conn.ConnectionState().NegotiatedProtocol
	resp, err := request(ctx, conn, host, opts)
	c.Duration = time.Since(start)
	if err != nil {
		what := "HTTP/1.1 request"
		if alpn == "h2" {
			what = "h2 request"
		}
		return failHTTP(c, opts.describe(err, what), classOf(err))
	}
	fillHTTP(c, resp)
	if alpn == "h2" {
		c.set(StatusOK, fmt.Sprintf("h2 %d%s%s", resp.status, serverNote(resp.server), settingsNote(resp.settings)))
		return c
	}
	sel := alpn
	if sel == "" {
		sel = "no ALPN"
	}
	c.set(StatusInfo, fmt.Sprintf("no h2 (server selected %s); HTTP/1.1 %d%s", sel, resp.status, serverNote(resp.server)))
	return c
}

func serverNote(s string) string {
	if s == "" {
		return ""
	}
	return ", server " + oneLine(s)
}

// runCleartext runs checks 4 and 5 on an http target.
func runCleartext(ctx context.Context, r *Result, opts Options) {
	host := r.Target.HostPort()
	if r.Target.Port == 80 {
		host = r.Target.Host
	}
	if r.Target.IsIP() && strings.Contains(r.Target.Host, ":") {
		host = "[" + r.Target.Host + "]"
	}
	var err error
	r.H2CUpgrade, err = h2cUpgradeCheck(ctx, r.Addr, host, opts)
	if err != nil && connLevel(err) {
		r.fail(netStep(err, StepCleartext), r.H2CUpgrade.Error, classOf(err))
		return
	}
	r.H2CPrior = h2cPriorCheck(ctx, r.Addr, host, opts)
	if u := r.H2CUpgrade; u.HTTPStatus == 400 || !cleartextAnswered(r) {
		// Plain HTTP to a TLS port gets 400 (or a close): say so, instead
		// of calling a 400 an answer.
		if conn, err := handshake(ctx, r.Addr, "", opts.timeout()); err == nil {
			v := tls.VersionName(conn.ConnectionState().Version)
			conn.Close()
			got := "HTTP/1.1 " + strconv.Itoa(u.HTTPStatus)
			if u.HTTPStatus == 0 {
				got = "no answer"
			}
			c := &HTTPCheck{Check: u.Check, Proto: u.Proto, HTTPStatus: u.HTTPStatus, Server: u.Server, Got: gotTLS}
			failHTTP(c, fmt.Sprintf("this port speaks TLS (%s completed; plain HTTP got %s): probe https://%s", v, got, r.Target.HostPort()), ClassTLSPort)
			r.H2CUpgrade = c
		}
	}
}

// cleartextAnswered reports whether either cleartext check got an HTTP
// answer: an HTTP/1.x status line, HTTP/2 frames or an h2c response. A
// port that closes or resets every connection answered nothing.
func cleartextAnswered(r *Result) bool {
	u, p := r.H2CUpgrade, r.H2CPrior
	return u != nil && (u.HTTPStatus > 0 || u.Got == gotH2Frames || u.Status == StatusOK) ||
		p != nil && (p.Status == StatusOK || p.Got != "")
}

// RunAll probes targets with at most opts.Parallel at a time and returns
// the results in the order of targets. each, if not nil, is called as
// every result arrives (from several goroutines, so it must be safe).
func RunAll(ctx context.Context, targets []Target, opts Options, each func(i int, r Result)) []Result {
	n := opts.Parallel
	if n <= 0 {
		n = 16
	}
	out := make([]Result, len(targets))
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, t := range targets {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			// Interrupted: what has not started is not started.
			out[i] = Result{Target: t, Err: "not probed: cancelled", FailedStep: StepTarget, ErrorClass: ClassCancelled,
				Verdict: "error: not probed: cancelled", Expiry: ExpiryNone, OCSP: OCSPNone}
			if each != nil {
				each(i, out[i])
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = Run(ctx, t, opts)
			if each != nil {
				each(i, out[i])
			}
		}()
	}
	wg.Wait()
	return out
}
