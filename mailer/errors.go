package mailer

import (
	"errors"
	"fmt"
	"net"

	gomail "github.com/wneessen/go-mail"
)

// Stages of a send, as far as the error tells.
const (
	StageBuild   = "build"   // the message could not be built
	StageConnect = "connect" // dial, TLS, EHLO or AUTH
	StageRcpt    = "rcpt"    // MAIL FROM or RCPT TO
	StageData    = "data"    // DATA or writing the content, before the final dot
	StageDot     = "dot"     // after the final dot: waiting for the server's verdict
)

// Error is a failed send.
type Error struct {
	// Permanent: the server refused it (5xx) or it cannot be built; sending
	// it again will fail the same way. Otherwise it is temporary (4xx, a
	// network error, a dropped connection) and worth retrying.
	Permanent bool
	// Code is the SMTP reply code, 0 if there was no reply.
	Code int
	// Recipient: the server refused the recipient address itself.
	Recipient bool
	// Stage says how far the transaction got.
	Stage string
	Err   error
}

func (e *Error) Error() string {
	kind := "temporary"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("smtp %s (%s): %v", e.Stage, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// InDoubt reports whether the server may have accepted the message: the
// final dot was sent but no reply was read.
func (e *Error) InDoubt() bool { return e.Stage == StageDot && e.Code == 0 }

// classify turns a go-mail or network error into an *Error.
func classify(err error, stage string) *Error {
	e := &Error{Stage: stage, Err: err}
	var se *gomail.SendError
	if errors.As(err, &se) {
		e.Code = se.ErrorCode()
		switch se.Reason {
		case gomail.ErrSMTPMailFrom:
			e.Stage = StageRcpt
		case gomail.ErrSMTPRcptTo:
			e.Stage, e.Recipient = StageRcpt, true
		case gomail.ErrSMTPData, gomail.ErrWriteContent:
			e.Stage = StageData
		case gomail.ErrSMTPDataClose:
			e.Stage = StageDot
		case gomail.ErrConnCheck:
			e.Stage = StageConnect
		default:
			if e.Stage == "" {
				e.Stage = StageData
			}
		}
	}
	if e.Code == 0 {
		e.Code = replyCode(err)
	}
	var ne net.Error
	switch {
	case e.Code >= 500 && e.Code < 600:
		e.Permanent = true
	case e.Code >= 400 && e.Code < 500, errors.As(err, &ne):
		e.Permanent = false
	}
	if e.Stage == "" {
		e.Stage = StageConnect
	}
	return e
}

// replyCode finds an SMTP reply code in the error chain (net/textproto's
// *Error, as go-mail's smtp package returns it).
func replyCode(err error) int {
	type coder interface{ Code() int }
	for err != nil {
		if te, ok := err.(interface{ Unwrap() []error }); ok {
			for _, inner := range te.Unwrap() {
				if c := replyCode(inner); c != 0 {
					return c
				}
			}
			return 0
		}
		if c, ok := err.(coder); ok {
			return c.Code()
		}
		s := err.Error()
		if len(s) >= 4 && (s[0] == '4' || s[0] == '5') && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] == ' ' {
			return int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
		}
		err = errors.Unwrap(err)
	}
	return 0
}
