package probe

import (
	"errors"
	"net"
	"syscall"
)

// Steps named by Result.FailedStep.
const (
	StepTarget      = "target"
	StepResolve     = "resolve"
	StepConnect     = "connect"
	StepTLS         = "tls handshake"
	StepCertificate = "certificate"
	StepOCSP        = "ocsp"         // the stapled OCSP response says revoked
	StepHTTP        = "http request" // over TLS: h2 or HTTP/1.1, whichever ALPN chose
	StepMisdirected = "misdirected request"
	StepCleartext   = "cleartext http"
)

// fail records that the target could not be probed at all.
func (r *Result) fail(step, msg, class string) {
	r.Err = msg
	r.FailedStep = step
	r.ErrorClass = class
}

// netStep names the step an error belongs to: connecting, or after.
func netStep(err error, after string) string {
	var op *net.OpError
	if errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &op) && op.Op == "dial" && !closedByPeer(err) {
		return StepConnect
	}
	return after
}

// judge sets OK and FailedStep from the checks that ran. A target is OK
// when nothing failed: it answered, a name got a certificate valid for it,
// and every HTTP exchange got an answer (a server that completes TLS and
// then stalls, resets or sends GOAWAY is not OK).
func judge(r *Result) {
	r.OK = false
	if r.Err != "" {
		if r.FailedStep == "" {
			r.FailedStep = StepConnect
		}
		return
	}
	r.FailedStep = firstFailure(r)
	r.OK = r.FailedStep == ""
	r.ErrorClass = failureClass(r)
}

// failureClass is the ErrorClass of the failed step's check.
func failureClass(r *Result) string {
	main := r.TLS
	if r.Name == "" {
		main = r.NoSNI
	}
	switch r.FailedStep {
	case "":
		return ClassNone
	case StepTLS:
		if main != nil && main.ErrorClass != "" {
			return main.ErrorClass
		}
		return ClassTLS
	case StepCertificate:
		return ClassCertificate
	case StepOCSP:
		return ClassRevoked
	case StepHTTP:
		if r.H2 != nil && r.H2.ErrorClass != "" {
			return r.H2.ErrorClass
		}
	case StepMisdirected:
		for _, hr := range []*HostRequest{r.Misdirected.NoSNI, r.Misdirected.DefaultSNI} {
			if hr != nil && hr.ErrorClass != "" {
				return hr.ErrorClass
			}
		}
	case StepCleartext:
		u, p := r.H2CUpgrade, r.H2CPrior
		switch {
		case u != nil && u.ErrorClass != "":
			return u.ErrorClass
		case p != nil && p.ErrorClass != "":
			return p.ErrorClass
		case !cleartextAnswered(r):
			return ClassNoAnswer
		}
	}
	return ClassProtocol
}

func firstFailure(r *Result) string {
	if r.Target.Scheme == SchemeHTTP {
		return cleartextFailure(r)
	}
	main := r.TLS
	if r.Name == "" {
		main = r.NoSNI
	}
	switch {
	case main == nil || main.Cert == nil:
		return StepTLS
	case r.Name != "" && !main.Verified && !r.insecure:
		// An IP target has no name to be valid for: answering is enough.
		return StepCertificate
	case main.Staple.Status == OCSPRevoked:
		return StepOCSP
	case r.H2 == nil || r.H2.Status == StatusFail:
		return StepHTTP
	case r.Misdirected != nil && r.Misdirected.Status == StatusFail:
		return StepMisdirected
	}
	return ""
}

// cleartextFailure: a cleartext port is OK when a check got an HTTP answer
// and neither failed. Every connection closed or reset is a failure,
// whenever the reset arrives, so the same port gets the same answer on
// every run; so is plain HTTP answered 400 by a TLS port.
func cleartextFailure(r *Result) string {
	u, p := r.H2CUpgrade, r.H2CPrior
	if u == nil || p == nil || u.Status == StatusFail || p.Status == StatusFail || !cleartextAnswered(r) {
		return StepCleartext
	}
	return ""
}
