package probe

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"syscall"
	"time"
)

// http2SettingsHeader is the HTTP2-Settings value: the base64url (no
// padding) SETTINGS payload, i.e. the frame without its 9-byte header
// (RFC 7540 §3.2.1).
func http2SettingsHeader() string {
	var b []byte
	for _, s := range clientSettings {
		b = binary.BigEndian.AppendUint16(b, uint16(s.ID))
		b = binary.BigEndian.AppendUint32(b, s.Val)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// gotH2Frames is HTTPCheck.Got when an HTTP/1.1 request got HTTP/2 frames
// back: the port speaks only HTTP/2 (nginx < 1.25.1 cleartext "listen ... http2").
const gotH2Frames = "HTTP/2 frames"

// gotClosed is HTTPCheck.Got when the server dropped the connection on an
// HTTP/1.1 request without answering. An HTTP/2-only port does that too:
// whether its SETTINGS reach the client before the reset is a race.
const gotClosed = "closed without an answer"

// gotTLS is HTTPCheck.Got when a cleartext request went to a port that
// speaks TLS (Apache answers such requests 400, Go and nginx too).
const gotTLS = "TLS port"

// closedByPeer reports whether err is the server closing or resetting the
// connection (not a timeout, not a refusal).
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// h2cUpgradeCheck sends GET / with "Upgrade: h2c" (hand-written: Go's
// client has no Upgrade support). 101 then HTTP/2 on the same connection is
// "upgraded"; any other HTTP/1.1 answer means refused, which is information
// (RFC 9113 deprecates the mechanism; nginx never does it).
// connErr is set when the port could not be talked to at all.
func h2cUpgradeCheck(ctx context.Context, addr, host string, opts Options) (c *HTTPCheck, connErr error) {
	start := time.Now()
	c = &HTTPCheck{}
	c.Name = "h2c_upgrade"
	defer func() { c.Duration = time.Since(start) }()
	conn, err := dial(ctx, addr, opts.timeout())
	if err != nil && closedByPeer(err) {
		// Accepted and reset at once: the dial itself may see the reset.
		c.Check.Status, c.Got = StatusInfo, gotClosed
		c.Summary = "no HTTP/1.1 answer: the server reset the connection"
		return c, nil
	}
	if err != nil {
		return failHTTP(c, opts.describe(err, "connect"), classOf(err)), err
	}
	defer conn.Close()
	done := step(ctx, conn, opts.timeout())
	defer done()
	req := "GET / HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + userAgent + "\r\nAccept: */*\r\n" +
		"Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: " + http2SettingsHeader() + "\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		if closedByPeer(err) {
			// The same as a close seen on reading: which one the client
			// meets depends only on when the reset arrives.
			c.Check.Status, c.Got = StatusInfo, gotClosed
			c.Summary = "no HTTP/1.1 answer: the server closed the connection on the Upgrade request"
			return c, nil
		}
		return failHTTP(c, opts.describe(err, "h2c upgrade request"), classOf(err)), err
	}
	br := bufio.NewReader(capped(conn))
	hr, err := readH1(br, "GET")
	if errors.Is(err, errH2Frames) {
		c.Check.Status, c.Got = StatusInfo, gotH2Frames
		c.Summary = "upgrade not possible: the port speaks only HTTP/2 (prior knowledge)"
		return c, nil
	}
	if err != nil && closedByPeer(err) && br.Buffered() == 0 {
		c.Check.Status, c.Got = StatusInfo, gotClosed
		c.Summary = "no HTTP/1.1 answer: the server closed the connection on the Upgrade request"
		return c, nil
	}
	if err != nil {
		return failHTTP(c, opts.describe(err, "h2c upgrade response"), classOf(err)), err
	}
	c.HTTPStatus, c.Server = hr.StatusCode, hr.Header.Get("Server")
	if hr.StatusCode != 101 || !strings.EqualFold(hr.Header.Get("Upgrade"), "h2c") {
		c.Proto = "http/1.1"
		c.Got = fmt.Sprintf("HTTP/%d.%d %s", hr.ProtoMajor, hr.ProtoMinor, hr.Status)
		c.set(StatusInfo, "upgrade refused: "+c.Got+" (h2c Upgrade is deprecated; not an error)")
		return c, nil
	}
	// Switched: the server answers the request on stream 1 in HTTP/2. The
	// bufio.Reader may already hold its SETTINGS, so keep reading from it.
	resp, err := h2Request(conn, br, "http", host, true)
	c.Got = "101 Switching Protocols"
	if err != nil {
		return failHTTP(c, "upgraded (101) but HTTP/2 failed: "+opts.describe(err, "h2c"), classOf(err)), nil
	}
	fillHTTP(c, resp)
	c.set(StatusOK, fmt.Sprintf("upgraded: 101, then h2c %d%s", resp.status, settingsNote(resp.settings)))
	return c, nil
}

// h2cPriorCheck sends the HTTP/2 connection preface on cleartext (prior
// knowledge) and a HEAD request.
func h2cPriorCheck(ctx context.Context, addr, host string, opts Options) *HTTPCheck {
	start := time.Now()
	c := &HTTPCheck{}
	c.Name = "h2c_prior"
	defer func() { c.Duration = time.Since(start) }()
	conn, err := dial(ctx, addr, opts.timeout())
	if err != nil && closedByPeer(err) {
		c.set(StatusInfo, "no prior knowledge: the server reset the connection")
		return c
	}
	if err != nil {
		return failHTTP(c, opts.describe(err, "connect"), classOf(err))
	}
	defer conn.Close()
	done := step(ctx, conn, opts.timeout())
	defer done()
	br := bufio.NewReader(capped(conn))
	resp, err := h2Request(conn, br, "http", host, false)
	var h1 errHTTP1
	switch {
	case errors.As(err, &h1):
		c.Proto, c.Got = "http/1.1", h1.statusLine
		c.set(StatusInfo, "no prior knowledge: preface answered "+h1.statusLine)
		return c
	case err != nil && (resp == nil || len(resp.settings) == 0) && closedByPeer(err):
		// Closed on the preface (as soon as it was read, the rest of our
		// write may fail with EPIPE): the port does not speak h2c. An
		// HTTP/1.1 server may have said why before it closed.
		if line, rerr := br.ReadString('\n'); rerr == nil && strings.HasPrefix(line, "HTTP/1.") {
			c.Proto, c.Got = "http/1.1", strings.TrimSpace(line)
			c.set(StatusInfo, "no prior knowledge: preface answered "+c.Got)
			return c
		}
		c.set(StatusInfo, "no prior knowledge: connection closed after the preface")
		return c
	case err != nil:
		return failHTTP(c, opts.describe(err, "h2c prior knowledge"), classOf(err))
	}
	fillHTTP(c, resp)
	c.set(StatusOK, fmt.Sprintf("h2c %d%s", resp.status, settingsNote(resp.settings)))
	return c
}

// set sets status and summary together.
func (c *Check) set(s Status, summary string) {
	c.Status = s
	c.Summary = summary
}

func failHTTP(c *HTTPCheck, msg, class string) *HTTPCheck {
	c.Check.Status = StatusFail
	c.ErrorClass = class
	c.Error = msg
	c.Summary = msg
	return c
}

func fillHTTP(c *HTTPCheck, r *response) {
	c.Proto, c.HTTPStatus, c.Server, c.HSTS = r.proto, r.status, r.server, r.hsts
	if len(r.settings) > 0 {
		c.Settings = r.settings
	}
}

// settingsNote mentions the setting an admin asks about first.
func settingsNote(s map[string]uint32) string {
	if v, ok := s["MAX_CONCURRENT_STREAMS"]; ok {
		return fmt.Sprintf(", max streams %d", v)
	}
	return ""
}
