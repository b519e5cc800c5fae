package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"time"
)

// request sends HEAD / with the given Host over an established TLS
// connection, in whatever protocol ALPN selected, and closes it.
func request(ctx context.Context, conn *tls.Conn, host string, opts Options) (*response, error) {
	defer conn.Close()
	done := step(ctx, conn, opts.timeout())
	defer done()
	host = bracket(host) // an IPv6 literal in :authority and Host is [::1]
	if conn.ConnectionState().NegotiatedProtocol == "h2" {
		br := bufio.NewReader(capped(conn))
		return h2Request(conn, br, "https", host, false)
	}
	return h1Request(conn, host)
}

// hostRequest fills a HostRequest from one request whose Host is name.
func hostRequest(ctx context.Context, conn *tls.Conn, sni, name string, opts Options) *HostRequest {
	hr := &HostRequest{SNI: sni, Host: name}
	resp, err := request(ctx, conn, name, opts)
	if err != nil {
		hr.Error, hr.ErrorClass = opts.describe(err, "request"), classOf(err)
		hr.Meaning = "no answer: " + hr.Error
		return hr
	}
	hr.Proto, hr.Status = resp.proto, resp.status
	hr.Meaning = misdirectedMeaning(resp.status, sni, name)
	return hr
}

// misdirectedMeaning explains a status for a request whose Host differs
// from the TLS name (facts: Apache ssl_hook_ReadReq, SSLVHostSNIPolicy).
func misdirectedMeaning(status int, sni, host string) string {
	via := "without SNI"
	if sni != "" {
		via = "with SNI " + sni
	}
	switch status {
	case 421:
		if sni == "" {
			return fmt.Sprintf("421 Misdirected Request: Host %s is refused on connections %s (Apache >= 2.4.64, CVE-2025-23048, SSLVHostSNIPolicy): IP-based health checks and proxies without SNI fail", host, via)
		}
		return fmt.Sprintf("421 Misdirected Request: the vhosts of %s and %s have different TLS setups, so a connection for one cannot serve the other (clients retry on a new connection)", sni, host)
	case 403:
		return fmt.Sprintf("403 Forbidden %s (SSLStrictSNIVHostCheck on?)", via)
	case 400:
		return fmt.Sprintf("400 Bad Request %s: the server rejects this SNI/Host combination", via)
	}
	return fmt.Sprintf("%d: Host %s is served on a connection %s", status, host, via)
}

// misdirectedCheck sends Host: name on the no-SNI connection and, if a
// default vhost with another certificate is known, on a connection with
// that vhost's SNI. noSNIConn may be nil (no-SNI handshake failed).
func misdirectedCheck(ctx context.Context, addr, name, defaultName string, noSNIConn *tls.Conn, opts Options) *MisdirectedCheck {
	start := time.Now()
	m := &MisdirectedCheck{}
	m.Name = "misdirected"
	if noSNIConn != nil {
		m.NoSNI = hostRequest(ctx, noSNIConn, "", name, opts)
	}
	if defaultName != "" && defaultName != name {
		conn, err := handshake(ctx, addr, defaultName, opts.timeout())
		if err != nil {
			e := opts.describe(err, "TLS handshake")
			m.DefaultSNI = &HostRequest{SNI: defaultName, Host: name, Error: e, ErrorClass: classOf(err), Meaning: "no answer: " + e}
		} else {
			m.DefaultSNI = hostRequest(ctx, conn, defaultName, name, opts)
		}
	}
	m.Duration = time.Since(start)
	var parts []string
	status := StatusOK
	answered := false
	for _, hr := range []*HostRequest{m.NoSNI, m.DefaultSNI} {
		if hr == nil {
			continue
		}
		label := "no SNI"
		if hr.SNI != "" {
			label = "SNI " + hr.SNI
		}
		if hr.Error != "" {
			parts = append(parts, label+": "+hr.Error)
			continue
		}
		answered = true
		parts = append(parts, fmt.Sprintf("%s + Host %s: %d", label, name, hr.Status))
		if hr.Status == 421 || hr.Status == 403 || hr.Status == 400 {
			status = StatusWarn
		}
	}
	switch {
	case len(parts) == 0:
		m.set(StatusSkipped, "no connection to test on")
		return m
	case !answered:
		status = StatusFail
		m.Error = parts[0]
	}
	m.set(status, joinDot(parts))
	return m
}
