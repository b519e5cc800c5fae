package probe

import (
	"context"
	"crypto/tls"
	"strings"
)

// legacyCiphers are what TLS 1.0 and 1.1 servers commonly accept; Go
// offers none of them by default for those versions.
var legacyCiphers = []uint16{
	tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
	tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
}

// legacyCheck asks whether the server still completes a handshake with
// TLS 1.1 and with TLS 1.0 (deprecated by RFC 8996). One handshake capped
// at 1.1 answers for most servers (they refuse it); only when it succeeds
// is 1.0 asked on its own. Accepted versions are returned oldest first.
func legacyCheck(ctx context.Context, addr, sni string, opts Options) []string {
	try := func(v uint16) (uint16, bool) {
		raw, err := dial(ctx, addr, opts.timeout())
		if err != nil {
			return 0, false
		}
		defer raw.Close()
		c := tls.Client(raw, &tls.Config{
			ServerName: sni, InsecureSkipVerify: true,
			MinVersion: tls.VersionTLS10, MaxVersion: v, CipherSuites: legacyCiphers,
		})
		done := step(ctx, raw, opts.timeout())
		defer done()
		if c.HandshakeContext(ctx) != nil {
			return 0, false
		}
		return c.ConnectionState().Version, true
	}
	var got []string
	v, ok := try(tls.VersionTLS11)
	switch {
	case !ok:
		return nil
	case v == tls.VersionTLS10:
		return []string{"TLS 1.0"}
	}
	if _, ok := try(tls.VersionTLS10); ok {
		got = append(got, "TLS 1.0")
	}
	return append(got, tls.VersionName(v))
}

func legacyWarning(vs []string) string {
	return "accepts " + strings.Join(vs, " and ") + " (deprecated by RFC 8996; SSLProtocol -all +TLSv1.2 +TLSv1.3, nginx ssl_protocols TLSv1.2 TLSv1.3)"
}
