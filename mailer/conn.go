package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
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
	trace   *slog.Logger // nil: no protocol trace
	// What the server offered in its EHLO reply.
	pipelining, eightBit, smtputf8 bool
}

// connect dials, does TLS as configured, EHLO and AUTH. Every step runs
// under a deadline of cfg.Timeout from the dial; ctx aborts it.
func (m *Mailer) connect(ctx context.Context) (*session, *Error) {
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
	sess := &session{c: c, raw: raw, timeout: m.cfg.Timeout, trace: m.cfg.Trace}
	sess.pipelining, _ = c.Extension("PIPELINING")
	sess.eightBit, _ = c.Extension("8BITMIME")
	sess.smtputf8, _ = c.Extension("SMTPUTF8")
	return sess, nil
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
	var e *Error
	if s.pipelining {
		e = s.envelopePipelined(msg)
	} else {
		e = s.envelope(msg)
	}
	if e != nil {
		return e
	}
	return s.data(msg, nil)
}

// data sends msg's content, dot-stuffed, then (once BeforeDot has run)
// its final dot, with next's envelope in the same write when next is not
// nil, and reads msg's reply. A failure before the dot is on the wire is
// StageData (not in doubt); after it, StageDot.
func (s *session) data(msg, next *message) *Error {
	body, dot := stuff(msg.raw)
	s.deadline()
	w := s.c.Text.W
	if _, err := w.Write(body); err != nil {
		return classify(err, StageData)
	}
	if msg.beforeDot != nil {
		if err := msg.beforeDot(); err != nil {
			return &Error{Stage: StageData, Err: fmt.Errorf("before the final dot: %w", err)}
		}
	}
	w.Write(dot)
	if next != nil {
		s.writeEnvelope(next)
	}
	if err := w.Flush(); err != nil {
		// The dot did not (completely) reach the wire.
		return classify(err, StageData)
	}
	s.deadline()
	_, reply, err := s.c.Text.ReadResponse(250)
	s.traceServer(250, reply, err)
	if err != nil {
		return dotError(err)
	}
	return nil
}

// dotError classifies a failure after the final dot was written: in doubt
// without a reply; a 5xx whose enhanced code is 5.1.x is about the
// recipient's mailbox (RFC 3463).
func dotError(err error) *Error {
	e := classify(err, StageDot)
	var te *textproto.Error
	if e.Permanent && errors.As(err, &te) {
		if class, subject := enhancedClass(te.Msg); class == 5 && subject == 1 {
			e.Recipient = true
		}
	}
	return e
}

// mailFrom is the MAIL FROM command for msg, with the parameters the
// server offers and the message needs.
func (s *session) mailFrom(msg *message) string {
	cmd := "MAIL FROM:<" + msg.from + ">"
	if s.eightBit {
		cmd += " BODY=8BITMIME"
	}
	if s.smtputf8 && !(isASCII(msg.from) && isASCII(msg.to)) {
		cmd += " SMTPUTF8"
	}
	return cmd
}

// envelope sends MAIL, RCPT and DATA one at a time, each waiting for its
// reply: for servers that do not offer PIPELINING.
func (s *session) envelope(msg *message) *Error {
	for _, step := range []struct {
		cmd   string
		code  int
		stage string
	}{{s.mailFrom(msg), 250, StageRcpt}, {"RCPT TO:<" + msg.to + ">", 25, StageRcpt}, {"DATA", 354, StageData}} {
		s.deadline()
		s.traceClient(step.cmd)
		if err := s.c.Text.PrintfLine("%s", step.cmd); err != nil {
			return classify(err, step.stage)
		}
		code, reply, err := s.c.Text.ReadResponse(step.code)
		s.traceServer(code, reply, err)
		if err != nil {
			e := classify(err, step.stage)
			if step.code == 25 {
				e.Recipient = e.Permanent && e.Code != 0 && !e.Config
			}
			return e
		}
	}
	return nil
}

// envelopePipelined sends MAIL, RCPT and DATA in one write and then reads
// the three replies (RFC 2920): one round trip instead of three. If MAIL
// or RCPT was refused but the server still accepted DATA, an empty
// message is ended at once; with no accepted recipient it goes nowhere.
func (s *session) envelopePipelined(msg *message) *Error {
	if e := s.sendEnvelope(msg); e != nil {
		return e
	}
	return s.readEnvelope()
}

// sendEnvelope writes MAIL, RCPT and DATA for msg in one write.
func (s *session) sendEnvelope(msg *message) *Error {
	s.deadline()
	s.writeEnvelope(msg)
	if err := s.c.Text.W.Flush(); err != nil {
		return classify(err, StageRcpt)
	}
	return nil
}

// writeEnvelope buffers MAIL, RCPT and DATA for msg, unflushed.
func (s *session) writeEnvelope(msg *message) {
	w := s.c.Text.W
	for _, c := range [3]string{s.mailFrom(msg), "RCPT TO:<" + msg.to + ">", "DATA"} {
		s.traceClient(c)
		w.WriteString(c)
		w.WriteString("\r\n")
	}
}

// readEnvelope reads the replies to a pipelined MAIL, RCPT and DATA. If
// MAIL or RCPT was refused but the server still accepted DATA, an empty
// message is ended at once; with no accepted recipient it goes nowhere.
func (s *session) readEnvelope() *Error {
	var errs [3]error
	for i, want := range [3]int{250, 25, 354} {
		s.deadline()
		code, reply, err := s.c.Text.ReadResponse(want)
		s.traceServer(code, reply, err)
		var te *textproto.Error
		if err != nil && !errors.As(err, &te) {
			// No reply at all: the connection is gone.
			return classify(err, []string{StageRcpt, StageRcpt, StageData}[i])
		}
		errs[i] = err
	}
	if errs[0] == nil && errs[1] == nil {
		if errs[2] != nil {
			return classify(errs[2], StageData)
		}
		return nil
	}
	if errs[2] == nil {
		s.deadline()
		s.traceClient(".")
		if err := s.c.Text.PrintfLine("."); err == nil {
			code, reply, err := s.c.Text.ReadResponse(0)
			s.traceServer(code, reply, err)
		}
	}
	if errs[0] != nil {
		return classify(errs[0], StageRcpt)
	}
	e := classify(errs[1], StageRcpt)
	e.Recipient = e.Permanent && e.Code != 0 && !e.Config
	return e
}

func (s *session) traceClient(line string) {
	if s.trace != nil {
		s.trace.Debug("smtp trace", "from", "client", "data", line)
	}
}

func (s *session) traceServer(code int, reply string, err error) {
	if s.trace == nil {
		return
	}
	var te *textproto.Error
	switch {
	case errors.As(err, &te):
		s.trace.Debug("smtp trace", "from", "server", "data", fmt.Sprintf("%d %s", te.Code, te.Msg))
	case err != nil:
		s.trace.Debug("smtp trace", "from", "server", "err", err.Error())
	default:
		s.trace.Debug("smtp trace", "from", "server", "data", fmt.Sprintf("%d %s", code, reply))
	}
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
