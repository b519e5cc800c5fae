package probe

import (
	"time"
)

// SchemaVersion is the version of the JSON that Result and the probe
// command print; it changes when a key changes meaning or goes away.
// Version 2: every key is always present (null when it does not apply),
// failed_step, error_class, days_left, expiry and ocsp added.
const SchemaVersion = 2

// Status is the outcome of one check.
type Status string

// Check statuses, from good to bad. Info is neither good nor bad (e.g. the
// deprecated h2c Upgrade refused); Skipped means the check did not apply.
const (
	StatusOK      Status = "ok"
	StatusInfo    Status = "info"
	StatusWarn    Status = "warn"
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
)

// Expiry grades of Result.Expiry.
const (
	ExpiryNone    = "none"
	ExpiryOK      = "ok"
	ExpirySoon    = "soon"
	ExpiryWarn    = "warn"
	ExpiryExpired = "expired"
)

// Check is what every check carries: its outcome, a one-line summary, the
// error (if any) and how long it took.
type Check struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Summary string `json:"summary"`
	Error   string `json:"error"`
	// ErrorClass classifies Error (ClassTimeout, ClassReset, ...); empty
	// when the check did not fail.
	ErrorClass string        `json:"error_class"`
	Duration   time.Duration `json:"duration_ns"`
}

// Result is everything learned about one target. Checks that did not run
// are nil; Checks() lists the common part of those that did, in order.
type Result struct {
	Target   Target   `json:"target"`
	Name     string   `json:"name"`     // the name probed (SNI and Host); empty for an IP target
	Addr     string   `json:"addr"`     // ip:port connected to
	Resolved []string `json:"resolved"` // every address the name resolved to (tried in order)
	// Tried lists the addresses that could not be connected to before Addr
	// ("ip:port: connection refused"), as curl tries the next address.
	Tried []string `json:"tried"`

	TLS         *TLSCheck         `json:"tls"`          // 1. TLS with SNI = name
	NoSNI       *TLSCheck         `json:"tls_no_sni"`   // 2. TLS without SNI (default vhost)
	H2          *HTTPCheck        `json:"h2"`           // 3. request over the ALPN-selected protocol
	H2CUpgrade  *HTTPCheck        `json:"h2c_upgrade"`  // 4. Upgrade: h2c
	H2CPrior    *HTTPCheck        `json:"h2c_prior"`    // 5. h2c prior knowledge
	Misdirected *MisdirectedCheck `json:"misdirected"`  // 6. Host differs from SNI
	HSTS        string            `json:"hsts"`         // 7. Strict-Transport-Security seen
	OCSPStapled bool              `json:"ocsp_stapled"` // 7. OCSP response stapled (SNI handshake)
	// OCSP is the stapled status of the main certificate (OCSPNone, OCSPGood,
	// OCSPRevoked, OCSPUnknown, OCSPInvalid); revoked fails the target.
	OCSP string `json:"ocsp"`

	// DaysLeft is how long the certificate of the name (of the default
	// vhost for an IP target) is still valid, negative once expired; Expiry
	// grades it: ExpiryOK, ExpirySoon (below Options.NoticeDays),
	// ExpiryWarn (below Options.WarnDays), ExpiryExpired, or ExpiryNone when
	// no certificate was seen.
	// LegacyTLS lists the deprecated versions (TLS 1.0, TLS 1.1) the
	// server still accepts; each is a warning.
	LegacyTLS []string `json:"legacy_tls"`
	DaysLeft  int      `json:"days_left"`
	Expiry    string   `json:"expiry"`

	// Verdict is the one-line summary for a table row.
	Verdict string `json:"verdict"`
	// OK is true when the target answered, (for TLS) the name got a
	// certificate valid for it, and the HTTP exchanges got answers. It
	// decides the command's exit code.
	OK bool `json:"ok"`
	// FailedStep names the first step that failed when OK is false
	// (StepConnect, StepTLS, StepCertificate, StepHTTP, ...), ErrorClass
	// what kind of failure it was (ClassTimeout, ClassRevoked, ...).
	FailedStep string `json:"failed_step"`
	ErrorClass string `json:"error_class"`
	// Err is set when the target could not be probed at all (bad name,
	// no address, refused, timeout before any check).
	Err      string        `json:"error"`
	Warnings []string      `json:"warnings"`
	Duration time.Duration `json:"duration_ns"`

	insecure bool // Options.Insecure: certificate problems do not fail
}

// TLSCheck is a TLS handshake with a given SNI (or none) offering ALPN
// h2,http/1.1.
type TLSCheck struct {
	Check
	SNI        string    `json:"sni"` // sent; empty: no SNI
	Version    string    `json:"version"`
	Cipher     string    `json:"cipher"`
	ALPN       string    `json:"alpn"` // selected; empty: none
	Cert       *CertInfo `json:"cert"`
	ChainLen   int       `json:"chain_len"`
	VerifyName string    `json:"verify_name"` // name (or IP) the chain was verified for
	Verified   bool      `json:"verified"`
	VerifyErr  string    `json:"verify_error"`
	OCSP       bool      `json:"ocsp_stapled"`
	Staple     OCSPInfo  `json:"ocsp"` // the stapled response, parsed
	// SameAsSNI (no-SNI check only) is true when the default certificate is
	// the one the name got.
	SameAsSNI *bool `json:"same_as_sni"`
	// DefaultName (no-SNI check only) is the vhost that certificate belongs to,
	// from Apache discovery or the certificate's first DNS name.
	DefaultName string `json:"default_name"`
}

// CertInfo describes a leaf certificate.
type CertInfo struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	DNSNames   []string  `json:"dns_names"`
	IPs        []string  `json:"ips"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	DaysLeft   int       `json:"days_left"` // negative once expired
	SelfSigned bool      `json:"self_signed"`
	SHA256     string    `json:"sha256"` // hex fingerprint of the DER
}

// HTTPCheck is one HTTP request and what came back.
type HTTPCheck struct {
	Check
	Proto      string            `json:"proto"` // "h2", "h2c", "http/1.1"
	HTTPStatus int               `json:"http_status"`
	Server     string            `json:"server"`
	HSTS       string            `json:"hsts"`
	Settings   map[string]uint32 `json:"settings"` // server SETTINGS (HTTP/2 only)
	// Got describes what came back when it was not the expected protocol
	// (e.g. "HTTP/1.1 200 OK", "HTTP/2 frames").
	Got string `json:"got"`
}

// MisdirectedCheck holds the two requests whose Host differs from the SNI.
type MisdirectedCheck struct {
	Check
	// NoSNI: TLS without SNI, Host: name (how IP-based health checks and
	// proxies without SNI connect).
	NoSNI *HostRequest `json:"no_sni"`
	// DefaultSNI: SNI = the default vhost's name, Host: name (a client
	// reusing a connection across names).
	DefaultSNI *HostRequest `json:"default_sni"`
}

// HostRequest is one request with a given SNI and Host.
type HostRequest struct {
	SNI        string `json:"sni"`
	Host       string `json:"host"`
	Proto      string `json:"proto"`
	Status     int    `json:"status"`
	Meaning    string `json:"meaning"`
	Error      string `json:"error"`
	ErrorClass string `json:"error_class"`
}

// Checks returns the common part of every check that ran, in check order,
// for a details view.
func (r *Result) Checks() []Check {
	var out []Check
	if r.TLS != nil {
		out = append(out, r.TLS.Check)
	}
	if r.NoSNI != nil {
		out = append(out, r.NoSNI.Check)
	}
	if r.H2 != nil {
		out = append(out, r.H2.Check)
	}
	if r.H2CUpgrade != nil {
		out = append(out, r.H2CUpgrade.Check)
	}
	if r.H2CPrior != nil {
		out = append(out, r.H2CPrior.Check)
	}
	if r.Misdirected != nil {
		out = append(out, r.Misdirected.Check)
	}
	return out
}

// Grade is "fail" when the target is not OK, "warn" when it is but a
// check warned (an expiring certificate, clients without SNI refused,
// a 421...) or a warning was added, else "ok".
func (r *Result) Grade() string {
	if !r.OK {
		return "fail"
	}
	if len(r.Warnings) > 0 {
		return "warn"
	}
	for _, c := range r.Checks() {
		if c.Status == StatusFail || c.Status == StatusWarn {
			return "warn"
		}
	}
	return "ok"
}

// Summary returns the verdict line ("site.example: SNI ok · h2 · ...").
func (r *Result) Summary() string {
	who := r.Target.HostPort()
	return who + ": " + r.Verdict
}
