// Package probetest is the testing side of internal/demo/servers: it
// starts a real Apache httpd for end-to-end tests (StartApache) and
// forwards the loopback servers and certificates that ipcscope --demo
// shares with probe's tests. Nothing listens beyond loopback.
package probetest

import (
	"crypto/tls"

	"ipcscope/internal/demo/servers"
)

// Types shared with internal/demo/servers (see there).
type (
	CA         = servers.CA
	Server     = servers.Server
	Site       = servers.Site
	TLSOptions = servers.TLSOptions
	H2CMode    = servers.H2CMode
	// Demo is the demo's suite of servers (servers.Suite).
	Demo = servers.Suite
)

// Cleartext server modes.
const (
	H2CUpgradeAndDirect = servers.H2CUpgradeAndDirect
	H2CDirectOnly       = servers.H2CDirectOnly
	H2COff              = servers.H2COff
	H2COnly             = servers.H2COnly
)

// Garbage is what StartGarbage sends: neither TLS nor HTTP.
var Garbage = servers.Garbage

// NewCA makes a throw-away CA.
func NewCA() (*CA, error) { return servers.NewCA() }

// SelfSigned makes a self-signed leaf certificate for names.
func SelfSigned(names ...string) (tls.Certificate, error) { return servers.SelfSigned(names...) }

// PEM encodes a certificate as certificate and key PEM blocks.
func PEM(c tls.Certificate) (certPEM, keyPEM []byte, err error) { return servers.PEM(c) }

// StartTLS starts an HTTPS server choosing the certificate by SNI.
func StartTLS(o TLSOptions) (*Server, error) { return servers.StartTLS(o) }

// StartH2C starts a cleartext HTTP server in the given mode.
func StartH2C(mode H2CMode) (*Server, error) { return servers.StartH2C(mode) }

// StartSilent starts a server that accepts connections and never answers.
func StartSilent() (*Server, error) { return servers.StartSilent() }

// StartGarbage starts a server that answers with Garbage.
func StartGarbage() (*Server, error) { return servers.StartGarbage() }

// RefusedAddr returns a 127.0.0.1 address where nothing listens.
func RefusedAddr() (string, error) { return servers.RefusedAddr() }

// StartDemo starts the demo's suite of loopback servers.
func StartDemo() (*Demo, error) { return servers.StartSuite() }

// OCSP statuses for CA.Staple.
const (
	OCSPGood    = servers.OCSPGood
	OCSPRevoked = servers.OCSPRevoked
	OCSPUnknown = servers.OCSPUnknown
)

// WithChain returns c serving also the given CA certificates after the
// leaf (servers.WithChain).
func WithChain(c tls.Certificate, cas ...*CA) tls.Certificate { return servers.WithChain(c, cas...) }
