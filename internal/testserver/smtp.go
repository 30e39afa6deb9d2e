package testserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// Captured is one message the SMTP server accepted (or, with
// FaultDropAfterDot, received in full).
type Captured struct {
	From string
	To   []string
	Data []byte
	At   time.Time
}

// Fault is what the SMTP server does with the content of a DATA.
type Fault int

const (
	// FaultNone accepts the message with 250.
	FaultNone Fault = iota
	// FaultTemp replies 451 4.3.0 and does not capture the message.
	FaultTemp
	// FaultPerm replies 550 5.1.1 "mailbox unavailable" and does not
	// capture the message.
	FaultPerm
	// FaultDropBeforeDot reads the data, then closes the connection
	// without replying and without capturing: the message was not accepted.
	FaultDropBeforeDot
	// FaultDropAfterDot captures the message, then closes the connection
	// without replying: the client cannot know it was accepted.
	FaultDropAfterDot
	// FaultStall reads the data and never replies, until Stop or Close.
	FaultStall
	// FaultDropMidData reads the first line of the data, then closes the
	// connection: the client is still writing and the final dot never
	// arrives. Nothing is captured.
	FaultDropMidData
)

// SMTP is an in-process SMTP server on 127.0.0.1 that captures messages.
type SMTP struct {
	addr string

	// lc serializes Stop, Restart and Close; it guards ln, tr, served
	// and closed. Sessions never take it.
	lc     sync.Mutex
	ln     net.Listener // nil while stopped
	tr     *tracker
	served chan error
	closed bool

	mu       sync.Mutex    // guards what sessions touch
	stall    chan struct{} // closed by Stop to release FaultStall
	msgs     []Captured
	changed  chan struct{} // closed and replaced when msgs grows
	attempts int
	fault    func(n int, rcpt []string) Fault
	rejects  map[string]*smtp.SMTPError
	authUser string
	authPass string

	// Set by StartSMTPTLS and SetAuthMechanisms (smtp_tls.go, smtp_auth.go).
	tlsMode   SMTPTLSMode
	tlsConf   *tls.Config
	conns     atomic.Int64 // connections accepted
	authMechs []string     // nil: PLAIN
	authUsed  []string     // mechanisms of successful AUTHs, in order

	// Set by SetPipelining, read by PipelinedEnvelopes (smtp_pipelining.go).
	noPipelining atomic.Bool
	pipelined    atomic.Int64
	afterDot     atomic.Int64
}

// StartSMTP starts an SMTP server on 127.0.0.1 on a free port that accepts
// every message (until SetFault, RejectRcpt or RequireAuth say otherwise).
func StartSMTP() (*SMTP, error) {
	s := &SMTP{changed: make(chan struct{}), rejects: make(map[string]*smtp.SMTPError)}
	if err := s.start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.addr = s.ln.Addr().String()
	return s, nil
}

// Addr returns the server's host:port; it does not change on Restart.
func (s *SMTP) Addr() string { return s.addr }

func (s *SMTP) start(addr string) error {
	tr := newTracker()
	ln, err := tr.listen(addr)
	if err != nil {
		return fmt.Errorf("smtp listen: %w", err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &smtpSession{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln = s.withTLS(srv, ln)
	served := make(chan error, 1)
	s.ln, s.tr, s.served = ln, tr, served
	s.mu.Lock()
	s.stall = make(chan struct{})
	s.mu.Unlock()
	// As for IMAP, the listener is closed by Stop and the smtp.Server is
	// abandoned, so that Stop can wait for each connection's goroutine.
	go func() { served <- srv.Serve(ln) }()
	return nil
}

// SetFault installs f, called when each DATA's content begins with the
// 1-based count of DATA attempts so far and the recipients; the fault
// takes effect as documented for each Fault. nil means FaultNone.
func (s *SMTP) SetFault(f func(n int, rcpt []string) Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// RejectRcpt makes RCPT TO:<addr> fail with code and msg (compared
// case-insensitively); code 4xx or 5xx.
func (s *SMTP) RejectRcpt(addr string, code int, msg string) {
	s.mu.Lock()
	s.rejects[strings.ToLower(addr)] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: msg}
	s.mu.Unlock()
}

// RequireAuth makes MAIL FROM fail until the client has authenticated
// with AUTH PLAIN as user/pass (allowed without TLS).
func (s *SMTP) RequireAuth(user, pass string) {
	s.mu.Lock()
	s.authUser, s.authPass = user, pass
	s.mu.Unlock()
}

// Messages returns a copy of the messages captured so far, in order.
func (s *SMTP) Messages() []Captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Captured(nil), s.msgs...)
}

// Wait blocks until at least n messages have been captured and returns
// them all, or returns ctx's error with what was captured so far.
func (s *SMTP) Wait(ctx context.Context, n int) ([]Captured, error) {
	for {
		// Copy only to return: a waiter woken for every message of a
		// long run must not copy them all each time.
		s.mu.Lock()
		have, changed := len(s.msgs), s.changed
		s.mu.Unlock()
		if have >= n {
			return s.Messages(), nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			msgs := s.Messages()
			return msgs, fmt.Errorf("wait for %d messages, have %d: %w", n, len(msgs), ctx.Err())
		}
	}
}

func (s *SMTP) capture(m Captured) {
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Stop closes the listener and every open connection, as if the server
// went away, and releases stalled sessions. Captured messages are kept.
func (s *SMTP) Stop() {
	s.lc.Lock()
	defer s.lc.Unlock()
	s.stopLocked() // nothing to report: the connections are gone either way
}

func (s *SMTP) stopLocked() error {
	if s.ln == nil {
		return nil
	}
	s.ln.Close()
	s.ln = nil
	s.mu.Lock()
	close(s.stall)
	s.mu.Unlock()
	serveErr := <-s.served
	s.tr.closeAll()
	if err := s.tr.wait(closeWait); err != nil {
		return fmt.Errorf("smtp stop: %w", err)
	}
	if !isClosed(serveErr) {
		return fmt.Errorf("smtp serve: %w", serveErr)
	}
	return nil
}

// Restart listens again on the same port after Stop.
func (s *SMTP) Restart() error {
	s.lc.Lock()
	defer s.lc.Unlock()
	if s.closed {
		return errors.New("smtp server is closed")
	}
	if s.ln != nil {
		return errors.New("smtp server is running")
	}
	return s.start(s.addr)
}

// Close stops the server for good and waits for its connections to end.
func (s *SMTP) Close() error {
	s.lc.Lock()
	defer s.lc.Unlock()
	s.closed = true
	return s.stopLocked()
}
