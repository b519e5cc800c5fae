// Package servers starts HTTPS, h2c and misbehaving servers on 127.0.0.1
// for ipcscope's demo mode (StartSuite) and, through probe/probetest, for
// probe's tests. Certificates are made at run time; nothing listens beyond
// loopback.
package servers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"time"

	"golang.org/x/crypto/ocsp"
)

// CA is a throw-away certificate authority.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// PEM is the CA certificate, for a --ca file.
	PEM []byte
}

// NewCA makes a CA valid from a year ago to a year from now.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "ipcscope demo CA", Organization: []string{"ipcscope"}},
		NotBefore:             time.Now().AddDate(-1, 0, 0),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Pool returns a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Issue makes a leaf certificate for names (DNS names or IP literals),
// valid between notBefore and notAfter (zero values: now-1h .. now+90d).
func (ca *CA) Issue(names []string, notBefore, notAfter time.Time) (tls.Certificate, error) {
	return makeCert(names, notBefore, notAfter, ca)
}

// SelfSigned makes a self-signed leaf certificate for names, valid for 90 days.
func SelfSigned(names ...string) (tls.Certificate, error) {
	return makeCert(names, time.Time{}, time.Time{}, nil)
}

// PEM encodes a certificate made here as certificate and key PEM blocks.
func PEM(c tls.Certificate) (certPEM, keyPEM []byte, err error) {
	for _, der := range c.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		return nil, nil, err
	}
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), nil
}

func makeCert(names []string, notBefore, notAfter time.Time, ca *CA) (tls.Certificate, error) {
	if notBefore.IsZero() {
		notBefore = time.Now().Add(-time.Hour)
	}
	if notAfter.IsZero() {
		notAfter = time.Now().AddDate(0, 0, 90)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if len(names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: names[0]}
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	parent, signer := tmpl, any(key)
	if ca != nil {
		parent, signer = ca.Cert, ca.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

// OCSP statuses for CA.Staple (golang.org/x/crypto/ocsp's values).
const (
	OCSPGood    = ocsp.Good
	OCSPRevoked = ocsp.Revoked
	OCSPUnknown = ocsp.Unknown
)

// Staple makes a DER OCSP response signed by the CA for the leaf of c,
// valid from an hour ago until next (zero: a week from now). A revoked
// response is dated revokedAt with reason keyCompromise. Put it in
// c.OCSPStaple (Go servers) or a file for nginx ssl_stapling_file or
// openssl s_server -status_file.
func (ca *CA) Staple(c tls.Certificate, status int, revokedAt, next time.Time) ([]byte, error) {
	if next.IsZero() {
		next = time.Now().AddDate(0, 0, 7)
	}
	tmpl := ocsp.Response{
		Status:       status,
		SerialNumber: c.Leaf.SerialNumber,
		ThisUpdate:   time.Now().Add(-time.Hour),
		NextUpdate:   next,
	}
	if status == ocsp.Revoked {
		tmpl.RevokedAt = revokedAt
		tmpl.RevocationReason = ocsp.KeyCompromise
	}
	return ocsp.CreateResponse(ca.Cert, ca.Cert, tmpl, ca.key)
}

// Intermediate makes a CA signed by ca (valid as long as ca), for chains
// root → intermediate → leaf.
func (ca *CA) Intermediate(name string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"ipcscope"}},
		NotBefore:             ca.Cert.NotBefore,
		NotAfter:              ca.Cert.NotAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// WithChain returns c serving also the given CA certificates after the
// leaf, as SSLCertificateChainFile or a fullchain.pem would.
func WithChain(c tls.Certificate, cas ...*CA) tls.Certificate {
	c.Certificate = append([][]byte(nil), c.Certificate...)
	for _, ca := range cas {
		c.Certificate = append(c.Certificate, ca.Cert.Raw)
	}
	return c
}
