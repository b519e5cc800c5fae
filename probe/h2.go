package probe

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Read limits: nothing reads unbounded data from a server.
const (
	maxResponseBytes = 256 << 10 // per connection
	maxFrames        = 64        // frames read before giving up on a response
	userAgent        = "ipcscope-probe"
)

// errReadCap is returned once a server has sent maxResponseBytes on one
// connection without completing what was asked.
var errReadCap = fmt.Errorf("read cap of %d KiB reached: the server sent more than a response head", maxResponseBytes>>10)

// capReader reads at most n bytes, then fails with errReadCap (not EOF:
// a read cap is not the server closing the connection).
type capReader struct {
	r io.Reader
	n int64
}

func capped(r io.Reader) io.Reader { return &capReader{r, maxResponseBytes} }

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		return 0, errReadCap
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}

// response is what a request learned.
type response struct {
	proto    string
	status   int
	server   string
	hsts     string
	settings map[string]uint32
}

// clientSettings are sent in SETTINGS (and, base64url-encoded, in the h2c
// HTTP2-Settings header).
var clientSettings = []http2.Setting{
	{ID: http2.SettingEnablePush, Val: 0},
	{ID: http2.SettingInitialWindowSize, Val: 65535},
}

// errHTTP1 is returned when an HTTP/2 preface was answered in HTTP/1.x.
type errHTTP1 struct{ statusLine string }

func (e errHTTP1) Error() string { return "answered in HTTP/1.x: " + e.statusLine }

// errH2Frames is returned when an HTTP/1.1 request was answered with
// HTTP/2 frames (an h2-only cleartext port, e.g. nginx < 1.25.1 "listen ... http2").
var errH2Frames = errors.New("answered with HTTP/2 frames (h2-only port)")

// notHTTP is returned when the first bytes are neither HTTP/1 nor HTTP/2.
type notHTTP struct{ first []byte }

func (e notHTTP) Error() string { return "not HTTP: server sent " + quoteBytes(e.first) }

// h2Request sends the HTTP/2 preface, SETTINGS and (unless upgraded, where
// the HTTP/1.1 request already is stream 1) a HEAD request on stream 1,
// then reads until it has the server's SETTINGS and the response headers.
func h2Request(w io.Writer, br *bufio.Reader, scheme, authority string, upgraded bool) (*response, error) {
	if _, err := io.WriteString(w, http2.ClientPreface); err != nil {
		return nil, err
	}
	fr := http2.NewFramer(w, br)
	fr.SetMaxReadFrameSize(1 << 16)
	fr.MaxHeaderListSize = 64 << 10
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	if err := fr.WriteSettings(clientSettings...); err != nil {
		return nil, err
	}
	if !upgraded {
		var hb bytes.Buffer
		enc := hpack.NewEncoder(&hb)
		for _, f := range [][2]string{
			{":method", "HEAD"}, {":scheme", scheme}, {":authority", authority}, {":path", "/"},
			{"user-agent", userAgent}, {"accept", "*/*"},
		} {
			enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
		}
		if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
			return nil, err
		}
	}
	if err := sniffH1(br); err != nil {
		return nil, err
	}
	proto := "h2"
	if scheme == "http" {
		proto = "h2c"
	}
	resp := &response{proto: proto, settings: map[string]uint32{}}
	gotSettings, gotHeaders := false, false
	for n := 0; n < maxFrames && !(gotSettings && gotHeaders); n++ {
		f, err := fr.ReadFrame()
		if err != nil {
			if gotSettings && !gotHeaders {
				return resp, fmt.Errorf("no response headers: %w", err)
			}
			return resp, err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if f.IsAck() {
				continue
			}
			gotSettings = true
			f.ForeachSetting(func(s http2.Setting) error {
				resp.settings[s.ID.String()] = s.Val
				return nil
			})
			if err := fr.WriteSettingsAck(); err != nil {
				return resp, err
			}
		case *http2.MetaHeadersFrame:
			if f.StreamID != 1 {
				continue
			}
			st, err := strconv.Atoi(f.PseudoValue("status"))
			if err != nil {
				return resp, fmt.Errorf("bad :status %q", f.PseudoValue("status"))
			}
			if st >= 100 && st < 200 {
				continue // informational; the final response follows
			}
			resp.status = st
			for _, hf := range f.RegularFields() {
				switch hf.Name {
				case "server":
					resp.server = hf.Value
				case "strict-transport-security":
					resp.hsts = hf.Value
				}
			}
			gotHeaders = true
		case *http2.GoAwayFrame:
			if !gotHeaders {
				return resp, fmt.Errorf("server sent GOAWAY (%v) %s", f.ErrCode, oneLine(string(f.DebugData())))
			}
		case *http2.RSTStreamFrame:
			if f.StreamID == 1 && !gotHeaders {
				return resp, fmt.Errorf("server reset the stream (%v)", f.ErrCode)
			}
		}
	}
	if !gotHeaders {
		return resp, fmt.Errorf("no response headers after %d frames", maxFrames)
	}
	return resp, nil
}

// sniffH1 peeks at the first bytes of an HTTP/2 answer: an HTTP/1 status
// line (the server does not speak h2 here) or obvious garbage.
func sniffH1(br *bufio.Reader) error {
	b, err := br.Peek(9)
	if err != nil && len(b) == 0 {
		return err
	}
	if bytes.HasPrefix(b, []byte("HTTP/1.")) {
		line, err := br.ReadString('\n')
		if err != nil && isTimeout(err) {
			return err // the status line never ended
		}
		return errHTTP1{strings.TrimSpace(line)}
	}
	if len(b) < 9 {
		return err
	}
	// A frame header: 24-bit length, type, flags, stream; the first frame
	// of a server is SETTINGS (type 4) on stream 0.
	if b[3] > 0x9 || b[0] != 0 {
		return notHTTP{b}
	}
	return nil
}

// wholeLine waits until br holds a complete first line (or its buffer is
// full): bufio hands out a partial line without the error that cut it
// short, and a slow server's "HTTP/1.1 2" is not a malformed status.
func wholeLine(br *bufio.Reader) error {
	for n := 16; ; n *= 2 {
		n = min(n, br.Size())
		b, err := br.Peek(n)
		if bytes.IndexByte(b, '\n') >= 0 || n == br.Size() && len(b) == n {
			return nil
		}
		if err != nil {
			if len(b) < n {
				return err
			}
		}
	}
}

// looksLikeH2 reports whether b starts with an HTTP/2 SETTINGS frame header.
func looksLikeH2(b []byte) bool {
	return len(b) >= 9 && b[0] == 0 && b[3] == 0x4 && b[5]|b[6]|b[7]|b[8] == 0
}

// h1Request sends "HEAD / HTTP/1.1" with Host: host and reads the response
// head (bounded). HEAD has no body, so nothing more is read.
func h1Request(conn net.Conn, host string) (*response, error) {
	req := "HEAD / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + userAgent + "\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return nil, err
	}
	br := bufio.NewReader(capped(conn))
	hr, err := readH1(br, "HEAD")
	if err != nil {
		return nil, err
	}
	return &response{proto: "http/1.1", status: hr.StatusCode, server: hr.Header.Get("Server"), hsts: hr.Header.Get("Strict-Transport-Security")}, nil
}

// readH1 reads an HTTP/1.x response head, recognising HTTP/2 frames and
// garbage first.
func readH1(br *bufio.Reader, method string) (*http.Response, error) {
	b, err := br.Peek(5)
	if err != nil && (len(b) == 0 || bytes.HasPrefix([]byte("HTTP/"), b)) {
		return nil, err // a slow or closing server, not a malformed one
	}
	if !bytes.HasPrefix(b, []byte("HTTP/")) {
		more, merr := br.Peek(9)
		if merr != nil && len(more) < 9 && isTimeout(merr) {
			return nil, merr
		}
		if looksLikeH2(more) {
			return nil, errH2Frames
		}
		return nil, notHTTP{more}
	}
	if err := wholeLine(br); err != nil {
		return nil, err
	}
	// 1xx answers (100 Continue, 103 Early Hints) are not final: the
	// response follows on the same connection. 101 is final here: it
	// switches protocols.
	for range 8 {
		hr, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil || hr.StatusCode < 100 || hr.StatusCode >= 200 || hr.StatusCode == 101 {
			return hr, err
		}
	}
	return nil, errors.New("more than 8 informational (1xx) responses")
}
