package mailer

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"strings"
)

// Stages of a send, as far as the error tells.
const (
	StageBuild   = "build"   // the message could not be built
	StageWait    = "wait"    // ctx ended while waiting for the connection or the rate limit; nothing was sent
	StageConnect = "connect" // dial, TLS, EHLO, AUTH (or reading the token for it)
	StageRcpt    = "rcpt"    // MAIL FROM or RCPT TO
	StageData    = "data"    // DATA or writing the content, before the final dot was written
	StageDot     = "dot"     // after the final dot: waiting for the server's verdict
)

// Error is a failed send. Send and Build return no other error type.
type Error struct {
	// Permanent: the server refused it (5xx) or it cannot be built; sending
	// it again unchanged will fail the same way. Otherwise it is temporary
	// (4xx, a network error, a dropped connection, a timeout) and worth
	// retrying.
	Permanent bool
	// Code is the SMTP reply code, 0 if there was no reply.
	Code int
	// Reply is the server's reply on one line, e.g. "550 5.1.1 <x@y>:
	// Recipient address rejected: User unknown"; empty if there was none.
	Reply string
	// Recipient: the server refused the recipient's mailbox itself: a 5xx
	// to RCPT TO, or a 5xx after the final dot whose enhanced status code
	// is 5.1.x (bad destination mailbox, RFC 3463). Always Permanent.
	Recipient bool
	// Config: the fault is in the configuration, not in the message: a
	// certificate that does not verify, a server that does not speak TLS
	// or offer STARTTLS as configured, rejected credentials (530, 534, 535,
	// 538), no usable AUTH mechanism, or a token command or file that
	// fails. Every message will fail the same way until the configuration
	// (or the server) is fixed, so the caller should pause sending and
	// alert rather than give up on this message. Permanent still follows
	// the reply code: a 535 is Permanent and Config, a bad certificate is
	// temporary and Config.
	Config bool
	// Stage says how far the transaction got.
	Stage string
	Err   error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	if e.Config {
		kind += ", check the configuration"
	}
	if e.Reply != "" {
		return fmt.Sprintf("smtp %s (%s): %s", e.Stage, kind, e.Reply)
	}
	return fmt.Sprintf("smtp %s (%s): %v", e.Stage, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// InDoubt reports whether the server may have accepted the message: the
// final dot was written but no reply was read (the connection dropped or
// timed out). A failure before the dot is never in doubt.
func (e *Error) InDoubt() bool { return e.Stage == StageDot && e.Code == 0 }

// classify turns an error from the given stage into an *Error: a reply
// code decides temporary or permanent; anything without a reply (network
// errors, timeouts) is temporary.
func classify(err error, stage string) *Error {
	e := &Error{Stage: stage, Err: err}
	var te *textproto.Error
	if errors.As(err, &te) {
		e.Code = te.Code
		e.Reply = oneLine(fmt.Sprintf("%03d %s", te.Code, te.Msg))
	}
	e.Permanent = e.Code >= 500 && e.Code < 600
	switch e.Code {
	case 530, 534, 535, 538: // authentication required, too weak, invalid, encryption required
		e.Config = true
	}
	if stage == StageConnect && isConfigError(err) {
		e.Config = true
	}
	return e
}

// isConfigError reports whether a connect-stage error is one that only a
// configuration change can fix.
func isConfigError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		uae x509.UnknownAuthorityError
		hne x509.HostnameError
		cie x509.CertificateInvalidError
		rhe tls.RecordHeaderError
		ce  *configError
	)
	return errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &hne) ||
		errors.As(err, &cie) || errors.As(err, &rhe) || errors.As(err, &ce)
}

// configError marks an error found by the mailer itself as a
// configuration problem (STARTTLS not offered, no usable AUTH, ...).
type configError struct{ msg string }

func (e *configError) Error() string { return e.msg }

func configErrorf(format string, args ...any) error {
	return &configError{msg: fmt.Sprintf(format, args...)}
}

// enhancedClass returns the class and subject of an RFC 3463 enhanced
// status code at the start of a reply text ("5.1.1 ..." gives 5, 1), or
// 0, 0.
func enhancedClass(text string) (class, subject int) {
	code, _, _ := strings.Cut(text, " ")
	parts := strings.Split(code, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || parts[1] == "" || len(parts[1]) > 3 {
		return 0, 0
	}
	if parts[0][0] < '2' || parts[0][0] > '5' {
		return 0, 0
	}
	for _, r := range parts[1] {
		if r < '0' || r > '9' {
			return 0, 0
		}
		subject = subject*10 + int(r-'0')
	}
	return int(parts[0][0] - '0'), subject
}

// oneLine joins a multi-line reply into one line and drops control
// characters, so that it can be logged and stored as is.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 512 {
		s = strings.ToValidUTF8(s[:512], "")
	}
	return s
}
