package servers

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// Server is one listener on 127.0.0.1.
type Server struct {
	Addr  string // 127.0.0.1:port
	Port  int
	close func()
	once  sync.Once
}

// Close stops the server and closes its connections.
func (s *Server) Close() { s.once.Do(s.close) }

func listen() (net.Listener, int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	return ln, ln.Addr().(*net.TCPAddr).Port, nil
}

// Site is one name-based virtual host of a TLS server.
type Site struct {
	Names []string        // names the site answers to; Names[0] is its label
	Cert  tls.Certificate // certificate served for those names
	HSTS  string          // Strict-Transport-Security value, if any
	// TLSGroup names the site's TLS setup for Misdirected: sites with the
	// same certificate but different groups (as Apache vhosts differing in
	// SSLProtocol or SSLVerifyClient) refuse each other's requests with
	// 421. Empty: the certificate decides.
	TLSGroup string
}

// setup is what Misdirected compares.
func (s *Site) setup() string {
	if s.TLSGroup != "" {
		return s.TLSGroup
	}
	return fmt.Sprintf("cert %p", s.Cert.Leaf)
}

// TLSOptions configure StartTLS.
type TLSOptions struct {
	// Sites, the first one being the default: it gets clients without SNI
	// and with unknown SNI, like Apache's first vhost.
	Sites []Site
	// H2 offers h2 in ALPN (else http/1.1 only).
	H2 bool
	// Misdirected answers 421 when the Host's site serves another
	// certificate than the one the connection was made with (no SNI: the
	// default's), like Apache >= 2.4.64 with SSLVHostSNIPolicy secure.
	// Sites are compared by TLSGroup, else by their certificate's Leaf pointer.
	Misdirected bool
	// MinVersion and MaxVersion bound the TLS versions served (0: Go's
	// defaults, TLS 1.2 to 1.3); a MinVersion below 1.2 also enables the
	// CBC cipher suites that TLS 1.0 and 1.1 need.
	MinVersion, MaxVersion uint16
}

// StartTLS starts an HTTPS server choosing the certificate by SNI.
func StartTLS(o TLSOptions) (*Server, error) {
	if len(o.Sites) == 0 {
		return nil, fmt.Errorf("servers: StartTLS needs at least one site")
	}
	siteFor := func(name string) *Site {
		name = strings.ToLower(strings.TrimSuffix(name, "."))
		for i := range o.Sites {
			for _, n := range o.Sites[i].Names {
				if strings.EqualFold(n, name) {
					return &o.Sites[i]
				}
			}
		}
		return &o.Sites[0]
	}
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetHTTP2(o.H2)
	next := []string{"http/1.1"}
	if o.H2 {
		next = []string{"h2", "http/1.1"}
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		site := siteFor(host)
		w.Header().Set("Server", "probetest")
		if site.HSTS != "" {
			w.Header().Set("Strict-Transport-Security", site.HSTS)
		}
		if o.Misdirected && r.TLS != nil && siteFor(r.TLS.ServerName).setup() != site.setup() {
			http.Error(w, "misdirected", http.StatusMisdirectedRequest)
			return
		}
		fmt.Fprintf(w, "site %s\n", site.Names[0])
	})
	srv := &http.Server{
		Handler:           handler,
		Protocols:         &p,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog(),
		TLSConfig: &tls.Config{
			MinVersion: o.MinVersion,
			MaxVersion: o.MaxVersion,
			NextProtos: next,
			GetCertificate: func(h *tls.ClientHelloInfo) (*tls.Certificate, error) {
				return &siteFor(h.ServerName).Cert, nil
			},
		},
	}
	if o.MinVersion != 0 && o.MinVersion < tls.VersionTLS12 {
		for _, c := range tls.CipherSuites() {
			srv.TLSConfig.CipherSuites = append(srv.TLSConfig.CipherSuites, c.ID)
		}
		srv.TLSConfig.CipherSuites = append(srv.TLSConfig.CipherSuites, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA)
	}
	go srv.ServeTLS(ln, "", "")
	return &Server{Addr: ln.Addr().String(), Port: port, close: func() { srv.Close() }}, nil
}

// H2CMode selects what a cleartext server does with HTTP/2.
type H2CMode int

// Cleartext server modes.
const (
	H2CUpgradeAndDirect H2CMode = iota // Upgrade: h2c (101) and prior knowledge, like Apache "Protocols h2c http/1.1"
	H2CDirectOnly                      // prior knowledge only; Upgrade is ignored (200)
	H2COff                             // HTTP/1.1 only
	H2COnly                            // HTTP/2 only, no HTTP/1.1 (nginx < 1.25.1 "listen ... http2")
)

// StartH2C starts a cleartext HTTP server in the given mode.
func StartH2C(mode H2CMode) (*Server, error) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "probetest-h2c")
		fmt.Fprintf(w, "proto %s\n", r.Proto)
	})
	if mode == H2COnly {
		h2s := &http2.Server{}
		return startRaw(func(c net.Conn) {
			h2s.ServeConn(c, &http2.ServeConnOpts{Handler: handler, BaseConfig: &http.Server{ErrorLog: quietLog()}})
		})
	}
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	var p http.Protocols
	p.SetHTTP1(true)
	var h http.Handler = handler
	switch mode {
	case H2CUpgradeAndDirect:
		h = h2c.NewHandler(handler, &http2.Server{})
	case H2CDirectOnly:
		p.SetUnencryptedHTTP2(true)
	}
	srv := &http.Server{Handler: h, Protocols: &p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: quietLog()}
	go srv.Serve(ln)
	return &Server{Addr: ln.Addr().String(), Port: port, close: func() { srv.Close() }}, nil
}

// StartSilent starts a server that accepts connections and never answers.
func StartSilent() (*Server, error) {
	return startRaw(func(c net.Conn) { io.Copy(io.Discard, c) })
}

// Garbage is what StartGarbage sends: neither TLS nor HTTP.
var Garbage = []byte("\xde\xad\xbe\xef garbage, not a protocol \x00\x01\x02\x03")

// StartGarbage starts a server that answers every connection with Garbage
// followed by 1 MiB of filler, then waits for the client to hang up
// (closing first could reset the connection before the client reads).
func StartGarbage() (*Server, error) {
	return startRaw(func(c net.Conn) {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		c.Write(Garbage)
		filler := make([]byte, 64<<10)
		for i := range filler {
			filler[i] = byte(i*7 + 1)
		}
		for i := 0; i < 16; i++ {
			if _, err := c.Write(filler); err != nil {
				return
			}
		}
		io.Copy(io.Discard, c)
	})
}

// startRaw runs handle on every accepted connection.
func startRaw(handle func(net.Conn)) (*Server, error) {
	ln, port, err := listen()
	if err != nil {
		return nil, err
	}
	conns := track{}
	var wg sync.WaitGroup
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.add(c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return &Server{Addr: ln.Addr().String(), Port: port, close: func() { ln.Close(); conns.closeAll(); wg.Wait() }}, nil
}

// RefusedAddr returns a 127.0.0.1 address where nothing listens (a port
// just released).
func RefusedAddr() (string, error) {
	ln, _, err := listen()
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr, nil
}

// track remembers connections so Close can end them.
type track struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (t *track) add(c net.Conn) {
	t.mu.Lock()
	t.conns = append(t.conns, c)
	t.mu.Unlock()
}

func (t *track) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.conns {
		c.Close()
	}
	t.conns = nil
}

// StartRaw starts a server on 127.0.0.1 that hands each connection to
// handle (for hand-written hostile servers in tests).
func StartRaw(handle func(net.Conn)) (*Server, error) { return startRaw(handle) }
