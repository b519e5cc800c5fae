package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
)

// dial opens a TCP connection with the step timeout.
func dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	return d.DialContext(ctx, "tcp", addr)
}

// step gives conn a deadline of timeout for one network step and breaks the
// step early when ctx is cancelled. Call the returned func when done.
func step(ctx context.Context, conn net.Conn, timeout time.Duration) (done func()) {
	dl := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	return func() { stop() }
}

// isTimeout reports a deadline or context expiry.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.As(err, &ne) && ne.Timeout()
}

// plaintextHTTP reports whether a TLS handshake failed because the server
// answered with plaintext HTTP.
func plaintextHTTP(err error) bool {
	var rh tls.RecordHeaderError
	return errors.As(err, &rh) && strings.HasPrefix(string(rh.RecordHeader[:]), "HTTP/")
}

// connLevel reports errors that mean the port cannot be probed at all
// (so further checks on the same address would only repeat them).
func connLevel(err error) bool {
	var rh tls.RecordHeaderError
	var op *net.OpError
	// A reset seen by the dial itself (accepted, then reset at once) is
	// the same answer as a reset during the handshake: which of the two
	// the client meets is timing, and the verdict must not depend on it.
	return isTimeout(err) || errors.Is(err, context.Canceled) || errors.As(err, &rh) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.As(err, &op) && op.Op == "dial" && !closedByPeer(err)
}

// describe turns a network or TLS error into one readable line; what names
// the step ("TLS handshake", "h2 request").
func describe(err error, what string, timeout time.Duration) string {
	var (
		rh    tls.RecordHeaderError
		dns   *net.DNSError
		alert tls.AlertError
	)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("cannot resolve %s: no such host", dns.Name)
		}
		return fmt.Sprintf("cannot resolve %s: %s", dns.Name, dns.Err)
	case isTimeout(err):
		return fmt.Sprintf("no answer within %s (%s)", timeout, what)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &rh):
		if strings.HasPrefix(string(rh.RecordHeader[:]), "HTTP/") {
			return "not TLS: the port answered plaintext HTTP"
		}
		return "not TLS: server sent " + quoteBytes(rh.RecordHeader[:])
	case errors.As(err, &alert):
		return fmt.Sprintf("%s: server sent TLS alert %q", what, alert.Error())
	case errors.Is(err, errReadCap):
		return fmt.Sprintf("%s during %s", errReadCap.Error(), what)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("connection closed by the server during %s", what)
	case errors.Is(err, syscall.ECONNRESET):
		return fmt.Sprintf("connection reset by the server during %s", what)
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "network unreachable"
	}
	return what + ": " + oneLine(err.Error())
}

// quoteBytes shows up to 16 bytes of server data safely.
func quoteBytes(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	var sb strings.Builder
	sb.WriteByte('"')
	for _, c := range b {
		switch {
		case c == '"' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c >= 0x20 && c < 0x7f:
			sb.WriteByte(c)
		default:
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// oneLine keeps the first line of s, at most 200 bytes, made safe to print.
func oneLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return Clean(s)
}

// Error classes (Result.ErrorClass, Check.ErrorClass): what kind of
// failure, for scripts; the messages say it in words.
const (
	ClassNone          = ""
	ClassInvalidTarget = "invalid_target"
	ClassResolve       = "resolve"
	ClassRefused       = "refused"
	ClassUnreachable   = "unreachable"
	ClassTimeout       = "timeout"
	ClassReset         = "reset"  // connection reset (RST) by the server
	ClassClosed        = "closed" // closed (FIN) by the server before answering
	ClassReadCap       = "read_cap"
	ClassCancelled     = "cancelled"
	ClassTLSAlert      = "tls_alert"
	ClassNotTLS        = "not_tls"
	ClassTLS           = "tls"      // another handshake failure
	ClassProtocol      = "protocol" // malformed HTTP, GOAWAY, stream reset, not HTTP
	ClassCertificate   = "certificate"
	ClassRevoked       = "revoked"
	ClassTLSPort       = "tls_port"  // http:// to a port that speaks TLS
	ClassNoAnswer      = "no_answer" // cleartext: every connection closed or reset
)

// classOf classifies a network, TLS or protocol error.
func classOf(err error) string {
	var (
		rh    tls.RecordHeaderError
		dns   *net.DNSError
		alert tls.AlertError
		op    *net.OpError
	)
	switch {
	case err == nil:
		return ClassNone
	case errors.Is(err, context.Canceled):
		return ClassCancelled
	case errors.As(err, &dns):
		return ClassResolve
	case isTimeout(err):
		return ClassTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return ClassRefused
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return ClassUnreachable
	case errors.Is(err, errReadCap):
		return ClassReadCap
	case errors.As(err, &rh):
		return ClassNotTLS
	case errors.As(err, &alert):
		return ClassTLSAlert
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ClassReset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ClassClosed
	case errors.As(err, &op) && op.Op == "remote error":
		return ClassTLSAlert
	}
	if strings.Contains(err.Error(), "tls:") {
		return ClassTLS
	}
	return ClassProtocol
}
