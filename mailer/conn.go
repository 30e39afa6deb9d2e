package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"time"

	"github.com/wneessen/go-mail/smtp"
)

// session is one SMTP connection, ready for MAIL FROM.
type session struct {
	c       *smtp.Client
	raw     net.Conn // the TCP connection under any TLS: closing it aborts everything
	timeout time.Duration
}

// connect dials, does TLS as configured, EHLO and AUTH. Every step runs
// under a deadline of cfg.Timeout from the dial; ctx aborts it.
func (m *Mailer) connect(ctx context.Context) (*session, error) {
	var secret string
	if m.cfg.Username != "" {
		var err error
		if secret, err = m.secret(ctx); err != nil {
			return nil, classify(err, StageConnect)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	raw, err := m.dial(dctx, "tcp", m.cfg.Address)
	if err != nil {
		return nil, classify(err, StageConnect)
	}
	stop := context.AfterFunc(dctx, func() { raw.Close() })
	defer stop()
	s, err := m.handshake(dctx, raw, secret)
	if err != nil {
		raw.Close()
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = errors.Join(ctx.Err(), err)
		}
		return nil, classify(err, StageConnect)
	}
	return s, nil
}

func (m *Mailer) handshake(ctx context.Context, raw net.Conn, secret string) (*session, error) {
	if err := raw.SetDeadline(time.Now().Add(m.cfg.Timeout)); err != nil {
		return nil, err
	}
	conn := raw
	if m.cfg.Security == SecurityTLS {
		tc := tls.Client(raw, m.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, tlsError(err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, m.host)
	if err != nil {
		return nil, tlsError(err)
	}
	if m.cfg.Trace != nil {
		c.SetLogger(traceLogger{m.cfg.Trace})
		c.SetDebugLog(true)
	}
	if err := c.Hello(m.helo); err != nil {
		return nil, err
	}
	if m.cfg.Security == SecurityStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return nil, configErrorf("server %s does not offer STARTTLS; security is starttls, so nothing is sent in the clear (use tls for port 465)", m.cfg.Address)
		}
		if err := c.StartTLS(m.tls); err != nil {
			return nil, tlsError(err)
		}
		if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
			return nil, configErrorf("server %s: STARTTLS did not complete", m.cfg.Address)
		}
	}
	if m.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return nil, configErrorf("server %s offers no AUTH; remove the username or check security", m.cfg.Address)
		}
		a := &saslAuth{want: m.cfg.mechanism(), user: m.cfg.Username, secret: secret, clearOK: isLoopback(m.host)}
		if err := c.Auth(a); err != nil {
			return nil, err
		}
	}
	return &session{c: c, raw: raw, timeout: m.cfg.Timeout}, nil
}

// tlsError makes a TLS record header error (a plain-text server on a TLS
// port, or the reverse) say what is probably wrong.
func tlsError(err error) error {
	var rhe tls.RecordHeaderError
	if errors.As(err, &rhe) {
		return &tlsConfigError{err}
	}
	return err
}

type tlsConfigError struct{ err error }

func (e *tlsConfigError) Error() string {
	return e.err.Error() + " (is security right for this port? 465: tls, 587: starttls)"
}
func (e *tlsConfigError) Unwrap() error { return e.err }

func (m *Mailer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if m.cfg.Dial != nil {
		return m.cfg.Dial(ctx, network, addr)
	}
	d := net.Dialer{KeepAlive: 30 * time.Second}
	return d.DialContext(ctx, network, addr)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (s *session) deadline() {
	s.raw.SetDeadline(time.Now().Add(s.timeout))
}

// alive checks a reused connection with NOOP.
func (s *session) alive() bool {
	s.deadline()
	return s.c.Noop() == nil
}

// transact runs MAIL, RCPT and DATA for msg. It writes the final dot
// itself so that it knows whether the dot went out: a failure before
// that is StageData (not in doubt), a failure after it StageDot.
func (s *session) transact(ctx context.Context, msg *message) *Error {
	stop := context.AfterFunc(ctx, func() { s.raw.Close() })
	defer stop()
	s.c.SkipSMTPUTF8(isASCII(msg.from) && isASCII(msg.to))

	s.deadline()
	if err := s.c.Mail("<" + msg.from + ">"); err != nil {
		return classify(err, StageRcpt)
	}
	s.deadline()
	if err := s.c.Rcpt("<" + msg.to + ">"); err != nil {
		e := classify(err, StageRcpt)
		e.Recipient = e.Permanent && e.Code != 0 && !e.Config
		return e
	}
	s.deadline()
	w, err := s.c.Data()
	if err != nil {
		return classify(err, StageData)
	}
	dc, ok := w.(*smtp.DataCloser)
	if !ok {
		return &Error{Stage: StageData, Err: errors.New("unexpected DATA writer")}
	}
	s.deadline()
	if _, err := dc.Write(msg.raw); err != nil {
		return classify(err, StageData)
	}
	if msg.beforeDot != nil {
		if err := msg.beforeDot(); err != nil {
			return &Error{Stage: StageData, Err: fmt.Errorf("before the final dot: %w", err)}
		}
	}
	// The dot writer's Close writes CRLF.CRLF and flushes; if that fails,
	// the dot did not (completely) reach the wire.
	if err := dc.WriteCloser.Close(); err != nil {
		return classify(err, StageData)
	}
	s.deadline()
	if _, _, err := s.c.Text.ReadResponse(250); err != nil {
		e := classify(err, StageDot)
		var te *textproto.Error
		if e.Permanent && errors.As(err, &te) {
			if class, subject := enhancedClass(te.Msg); class == 5 && subject == 1 {
				e.Recipient = true
			}
		}
		return e
	}
	return nil
}

// quit says goodbye politely, within a short deadline, and closes.
func (s *session) quit() {
	s.raw.SetDeadline(time.Now().Add(min(s.timeout, 5*time.Second)))
	s.c.Quit()
	s.raw.Close()
}

func (s *session) close() { s.raw.Close() }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
