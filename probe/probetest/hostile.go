package probetest

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"ipcscope/internal/demo/servers"
)

// AfterTLS selects what StartTLSThen does once the handshake is complete.
type AfterTLS int

// Misbehaviours after a completed TLS handshake.
const (
	AfterTLSStall      AfterTLS = iota // read the request, never answer
	AfterTLSReset                      // read the request, reset the connection (RST)
	AfterTLSClose                      // read the request, close without answering (FIN)
	AfterTLSGoAway                     // h2: SETTINGS, then GOAWAY with Debug as debug data
	AfterTLSHeaders                    // a 200 whose Server and HSTS headers (and HTTP/1.1 reason) are Debug
	AfterTLSFlood                      // HTTP/1.1: a status line, then one header line that never ends
	AfterTLSEarlyHints                 // HTTP/1.1: 103 Early Hints, then 200 with Server: Debug
)

// HostileTLS configures StartTLSThen.
type HostileTLS struct {
	Cert tls.Certificate
	// H2 selects h2 in ALPN (else http/1.1).
	H2   bool
	Then AfterTLS
	// Debug is the GOAWAY debug data or the Server header value, sent as is
	// (control bytes included).
	Debug string
}

// StartTLSThen starts a TLS server that completes every handshake with
// o.Cert and then misbehaves as o.Then says.
func StartTLSThen(o HostileTLS) (*Server, error) {
	proto := "http/1.1"
	if o.H2 {
		proto = "h2"
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{o.Cert}, NextProtos: []string{proto}}
	return servers.StartRaw(func(raw net.Conn) {
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		c := tls.Server(raw, cfg)
		if err := c.Handshake(); err != nil {
			return
		}
		br := bufio.NewReader(c)
		if o.Then == AfterTLSGoAway || o.Then == AfterTLSHeaders {
			if o.H2 {
				h2Misbehave(c, br, o)
				return
			}
			// HTTP/1.1: Debug as the reason phrase and in headers.
			if _, err := br.ReadString('\n'); err == nil {
				io.WriteString(c, "HTTP/1.1 200 "+o.Debug+"\r\nServer: "+o.Debug+"\r\nStrict-Transport-Security: "+o.Debug+"\r\nContent-Length: 0\r\n\r\n")
				io.Copy(io.Discard, br)
			}
			return
		}
		// Wait for the request (its first bytes are enough).
		if _, err := br.Peek(1); err != nil {
			return
		}
		switch o.Then {
		case AfterTLSEarlyHints:
			io.WriteString(c, "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"+
				"HTTP/1.1 200 OK\r\nServer: "+o.Debug+"\r\nContent-Length: 0\r\n\r\n")
			io.Copy(io.Discard, br)
		case AfterTLSFlood:
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Flood: ")
			chunk := []byte(strings.Repeat("a", 16<<10))
			for i := 0; i < 256; i++ { // 4 MiB at most
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		case AfterTLSStall:
			io.Copy(io.Discard, br)
		case AfterTLSReset:
			if tc, ok := raw.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			raw.Close()
		case AfterTLSClose:
			c.Close()
		}
	})
}

// h2Misbehave reads the client preface and answers with SETTINGS and
// either GOAWAY or response headers carrying o.Debug.
func h2Misbehave(c net.Conn, br *bufio.Reader, o HostileTLS) {
	pre := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(br, pre); err != nil {
		return
	}
	fr := http2.NewFramer(c, br)
	fr.WriteSettings(http2.Setting{ID: http2.SettingMaxConcurrentStreams, Val: 7})
	if o.Then == AfterTLSGoAway {
		fr.WriteGoAway(0, http2.ErrCodeEnhanceYourCalm, []byte(o.Debug))
		io.Copy(io.Discard, br)
		return
	}
	// Wait for the request's HEADERS, then answer on its stream.
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		if h, ok := f.(*http2.HeadersFrame); ok {
			var hb []byte
			enc := hpack.NewEncoder(writerFunc(func(p []byte) (int, error) { hb = append(hb, p...); return len(p), nil }))
			enc.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
			enc.WriteField(hpack.HeaderField{Name: "server", Value: o.Debug})
			enc.WriteField(hpack.HeaderField{Name: "strict-transport-security", Value: o.Debug})
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: h.StreamID, BlockFragment: hb, EndStream: true, EndHeaders: true})
			io.Copy(io.Discard, br)
			return
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// StartReset starts a cleartext server that resets every connection: at
// once when onAccept is true, else after the first bytes of the request.
func StartReset(onAccept bool) (*Server, error) {
	return servers.StartRaw(func(c net.Conn) {
		if !onAccept {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			c.Read(make([]byte, 1))
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		c.Close()
	})
}

// StartSlow starts a cleartext server that answers every connection with
// prefix and then nothing more (a server too slow to finish its answer).
func StartSlow(prefix string) (*Server, error) {
	return servers.StartRaw(func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, prefix)
		io.Copy(io.Discard, c)
	})
}
