// Package probe answers, per HTTPS host, the questions an admin asks after
// putting several sites on one port with SNI and enabling HTTP/2: which
// certificate each name gets, which one a client without SNI gets (the
// default vhost), whether the server speaks h2, h2c by Upgrade and h2c by
// prior knowledge, and whether a request whose Host differs from the TLS
// name gets 421 Misdirected Request (Apache >= 2.4.64, CVE-2025-23048).
// It also grades the certificate's expiry, parses a stapled OCSP response
// (golang.org/x/crypto/ocsp), says where a served chain stops, and warns
// about TLS 1.0/1.1. [DiscoverApache] and [DiscoverNginx] turn the local
// server's configuration into targets.
//
// A target is OK ([Result.OK], the command's exit code) only when every
// step a client needs worked: connection, a certificate valid for the
// name, no revocation, and an answer to each HTTP request; otherwise
// [Result.FailedStep] and [Result.ErrorClass] say which step and how.
// Every string a server sent is escaped ([Clean]) before it is handed out.
//
// The package knows nothing of user interfaces: [Run] returns a [Result]
// made of plain data with JSON tags, and [Result.Verdict] is a one-line
// summary meant for a table row. Every network step has a deadline
// ([Options.Timeout]) and every read from a server is bounded.
//
// Typical use:
//
//	t, err := probe.ParseTarget("https://site-a.example:443")
//	r := probe.Run(ctx, t, probe.Options{Timeout: 5 * time.Second})
//	fmt.Println(r.Verdict)
package probe
