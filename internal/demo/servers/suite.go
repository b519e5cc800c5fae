package servers

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Suite is a set of loopback servers covering every case the probe
// reports, with targets and --resolve entries to probe them.
type Suite struct {
	// Targets are probe targets ("https://alpha.demo.test:PORT", ...).
	Targets []string
	// Resolve are curl-style "name:port:127.0.0.1" entries for Targets.
	Resolve []string
	// CA signs every demo certificate except the self-signed one; CAFile
	// holds its PEM (for --ca).
	CA     *CA
	CAFile string

	servers []*Server
	dir     string
}

// Close stops every server and removes the CA file.
func (d *Suite) Close() {
	for _, s := range d.servers {
		s.Close()
	}
	if d.dir != "" {
		os.RemoveAll(d.dir)
	}
}

// StartSuite starts, on 127.0.0.1:
//   - a TLS port with three name-based sites (alpha = default with HSTS,
//     beta with its own certificate, gamma sharing alpha's), h2 on and
//     Apache-like 421 for Host/SNI mismatches;
//   - a TLS port without h2 (legacy), one with an expired certificate,
//     one with a certificate for another name, one self-signed;
//   - cleartext ports: h2c Upgrade + prior knowledge, prior knowledge
//     only, HTTP/1.1 only;
//   - a port that never answers, one that sends garbage, one refused.
func StartSuite() (d *Suite, err error) {
	d = &Suite{}
	defer func() {
		if err != nil {
			d.Close()
			d = nil
		}
	}()
	if d.CA, err = NewCA(); err != nil {
		return nil, err
	}
	if d.dir, err = os.MkdirTemp("", "ipcscope-demo-"); err != nil {
		return nil, err
	}
	d.CAFile = filepath.Join(d.dir, "ca.pem")
	if err = os.WriteFile(d.CAFile, d.CA.PEM, 0o644); err != nil {
		return nil, err
	}
	issue := func(names ...string) Site {
		if err != nil {
			return Site{}
		}
		var s Site
		s.Names = names
		s.Cert, err = d.CA.Issue(names, time.Time{}, time.Time{})
		return s
	}
	alpha := issue("alpha.demo.test", "www.alpha.demo.test", "gamma.demo.test")
	alpha.Names = alpha.Names[:2] // gamma is its own site sharing alpha's certificate
	alpha.HSTS = "max-age=31536000"
	beta := issue("beta.demo.test")
	legacy := issue("legacy.demo.test")
	other := issue("other.demo.test")
	if err != nil {
		return nil, err
	}
	gamma := Site{Names: []string{"gamma.demo.test"}, Cert: alpha.Cert}
	expired := Site{Names: []string{"expired.demo.test"}}
	if expired.Cert, err = d.CA.Issue(expired.Names, time.Now().AddDate(0, 0, -100), time.Now().AddDate(0, 0, -10)); err != nil {
		return nil, err
	}
	self := Site{Names: []string{"self.demo.test"}}
	if self.Cert, err = SelfSigned(self.Names...); err != nil {
		return nil, err
	}
	tlsSet := []struct {
		opts  TLSOptions
		names []string
	}{
		{TLSOptions{Sites: []Site{alpha, beta, gamma}, H2: true, Misdirected: true}, []string{"alpha.demo.test", "beta.demo.test", "gamma.demo.test"}},
		{TLSOptions{Sites: []Site{legacy}}, []string{"legacy.demo.test"}},
		{TLSOptions{Sites: []Site{expired}, H2: true}, []string{"expired.demo.test"}},
		{TLSOptions{Sites: []Site{other}, H2: true}, []string{"wrongname.demo.test"}},
		{TLSOptions{Sites: []Site{self}, H2: true}, []string{"self.demo.test"}},
	}
	for _, ts := range tlsSet {
		s, err := StartTLS(ts.opts)
		if err != nil {
			return nil, err
		}
		d.servers = append(d.servers, s)
		for _, n := range ts.names {
			d.add("https", n, s.Port)
		}
	}
	d.Targets = append(d.Targets, fmt.Sprintf("https://127.0.0.1:%d", d.servers[0].Port))
	for _, c := range []struct {
		mode H2CMode
		name string
	}{{H2CUpgradeAndDirect, "h2c.demo.test"}, {H2CDirectOnly, "direct.demo.test"}, {H2COff, "plain.demo.test"}} {
		s, err := StartH2C(c.mode)
		if err != nil {
			return nil, err
		}
		d.servers = append(d.servers, s)
		d.add("http", c.name, s.Port)
	}
	silent, err := StartSilent()
	if err != nil {
		return nil, err
	}
	garbage, err := StartGarbage()
	if err != nil {
		return nil, err
	}
	d.servers = append(d.servers, silent, garbage)
	d.add("https", "silent.demo.test", silent.Port)
	d.add("https", "garbage.demo.test", garbage.Port)
	refused, err := RefusedAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(refused)
	d.Targets = append(d.Targets, "https://refused.demo.test:"+port+"@127.0.0.1")
	return d, nil
}

func (d *Suite) add(scheme, name string, port int) {
	d.Targets = append(d.Targets, fmt.Sprintf("%s://%s:%d", scheme, name, port))
	d.Resolve = append(d.Resolve, fmt.Sprintf("%s:%d:127.0.0.1", name, port))
}
