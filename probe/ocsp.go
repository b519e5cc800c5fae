package probe

import (
	"crypto/x509"
	"fmt"
	"time"

	"golang.org/x/crypto/ocsp"
)

// OCSP staple statuses (OCSPInfo.Status, Result.OCSP).
const (
	OCSPNone    = "none"    // nothing stapled
	OCSPGood    = "good"    // the CA says the certificate is not revoked
	OCSPRevoked = "revoked" // the CA says it is revoked: the target fails
	OCSPUnknown = "unknown" // the responder does not know the certificate
	OCSPInvalid = "invalid" // unparsable, wrongly signed, for another certificate or out of date
)

// OCSPInfo is the OCSP response stapled in a handshake, parsed with
// golang.org/x/crypto/ocsp and checked against the certificate's issuer.
type OCSPInfo struct {
	Status     string    `json:"status"`
	ThisUpdate time.Time `json:"this_update"`
	NextUpdate time.Time `json:"next_update"` // zero: the responder gave none
	RevokedAt  time.Time `json:"revoked_at"`
	Reason     string    `json:"revocation_reason"`
	// SignatureChecked is false when the issuer was not available (neither
	// sent by the server nor found in the roots), so the staple was parsed
	// without checking who signed it.
	SignatureChecked bool   `json:"signature_checked"`
	Error            string `json:"error"`
}

// reasons are RFC 5280 CRLReason names.
var reasons = map[int]string{
	ocsp.Unspecified: "unspecified", ocsp.KeyCompromise: "keyCompromise", ocsp.CACompromise: "cACompromise",
	ocsp.AffiliationChanged: "affiliationChanged", ocsp.Superseded: "superseded",
	ocsp.CessationOfOperation: "cessationOfOperation", ocsp.CertificateHold: "certificateHold",
	ocsp.RemoveFromCRL: "removeFromCRL", ocsp.PrivilegeWithdrawn: "privilegeWithdrawn", ocsp.AACompromise: "aACompromise",
}

// parseStaple parses a stapled response for chain[0]. The issuer is the
// chain certificate that signed the leaf, else the one found by verifying
// against roots.
func parseStaple(staple []byte, chain []*x509.Certificate, roots *x509.CertPool, now time.Time) OCSPInfo {
	if len(staple) == 0 {
		return OCSPInfo{Status: OCSPNone}
	}
	leaf := chain[0]
	issuer := issuerOf(chain, roots)
	info := OCSPInfo{SignatureChecked: issuer != nil}
	resp, err := ocsp.ParseResponseForCert(staple, leaf, issuer)
	if err != nil {
		info.Status, info.Error = OCSPInvalid, "staple: "+oneLine(err.Error())
		return info
	}
	info.ThisUpdate, info.NextUpdate = resp.ThisUpdate.UTC(), resp.NextUpdate.UTC()
	switch resp.Status {
	case ocsp.Good:
		info.Status = OCSPGood
	case ocsp.Revoked:
		info.Status = OCSPRevoked
		info.RevokedAt = resp.RevokedAt.UTC()
		info.Reason = reasons[resp.RevocationReason]
		if info.Reason == "" {
			info.Reason = fmt.Sprintf("reason %d", resp.RevocationReason)
		}
		return info // revoked stays revoked, however old the response
	default:
		info.Status = OCSPUnknown
	}
	switch {
	case !resp.NextUpdate.IsZero() && now.After(resp.NextUpdate):
		info.Status, info.Error = OCSPInvalid, "staple out of date (next update was "+stamp(resp.NextUpdate)+")"
	case now.Add(5 * time.Minute).Before(resp.ThisUpdate):
		info.Status, info.Error = OCSPInvalid, "staple from the future (this update "+stamp(resp.ThisUpdate)+")"
	}
	return info
}

// issuerOf finds the certificate that signed chain[0].
func issuerOf(chain []*x509.Certificate, roots *x509.CertPool) *x509.Certificate {
	leaf := chain[0]
	for _, c := range chain[1:] {
		if leaf.CheckSignatureFrom(c) == nil {
			return c
		}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	// Verify inside the validity window: an expired leaf still has an issuer.
	at := leaf.NotBefore.Add(time.Second)
	chains, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil && len(chains) > 0 && len(chains[0]) > 1 {
		return chains[0][1]
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// ocspNote is what the TLS check's summary says about the staple.
func ocspNote(o OCSPInfo) string {
	switch o.Status {
	case OCSPGood, OCSPUnknown:
		s := "OCSP " + o.Status + " (updated " + stamp(o.ThisUpdate)
		if !o.NextUpdate.IsZero() {
			s += ", next " + stamp(o.NextUpdate)
		}
		if !o.SignatureChecked {
			s += ", signature not checked: issuer unknown"
		}
		return s + ")"
	case OCSPRevoked:
		return "OCSP: REVOKED on " + stamp(o.RevokedAt) + " (" + o.Reason + ")"
	case OCSPInvalid:
		return "OCSP " + o.Error
	}
	return ""
}
