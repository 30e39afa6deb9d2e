package testserver

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpSession is one SMTP connection's transaction state.
type smtpSession struct {
	s      *SMTP
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (ss *smtpSession) AuthMechanisms() []string {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.authUser == "" {
		return nil
	}
	if ss.s.authMechs != nil {
		return append([]string(nil), ss.s.authMechs...)
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return ss.authOther(mech) // smtp_auth.go
	}
	if !ss.offers(mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if !ss.s.checkAuth(username, password) || (identity != "" && identity != username) {
			return smtp.ErrAuthFailed
		}
		ss.authSucceeded(mech)
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	need := ss.s.authUser != ""
	ss.s.mu.Unlock()
	if need && !ss.authed {
		return errAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rej := ss.s.rejects[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	ss.s.mu.Lock()
	ss.s.attempts++
	n, f, stall := ss.s.attempts, ss.s.fault, ss.s.stall
	ss.s.mu.Unlock()
	fault := FaultNone
	if f != nil {
		fault = f(n, append([]string(nil), ss.to...))
	}
	if fault == FaultDropMidData {
		bufio.NewReader(r).ReadString('\n') // the client goes on writing
		abort(ss.conn.Conn())
		return errDropped
	}

	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	msg := Captured{From: ss.from, To: append([]string(nil), ss.to...), Data: data, At: time.Now()}

	switch fault {
	case FaultTemp:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure, try again later"}
	case FaultPerm:
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	case FaultDropBeforeDot:
		abort(ss.conn.Conn())
		return errDropped
	case FaultDropAfterDot:
		ss.s.capture(msg)
		abort(ss.conn.Conn())
		return errDropped
	case FaultStall:
		<-stall
		abort(ss.conn.Conn())
		return errDropped
	}
	ss.s.capture(msg)
	return nil
}

// errAuthRequired is RFC 4954's reply to MAIL before AUTH (go-smtp's
// ErrAuthRequired uses 502).
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

// errDropped is returned after the connection was closed on purpose; the
// reply it would produce cannot be written.
var errDropped = errors.New("connection dropped by fault injection")

func (ss *smtpSession) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *smtpSession) Logout() error { return nil }
