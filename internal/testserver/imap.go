package testserver

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// IMAP is an in-process IMAP server on 127.0.0.1 with one user and the
// mailboxes INBOX and Sent, kept in memory across Stop and Restart.
type IMAP struct {
	mem  *imapmemserver.Server
	user *imapmemserver.User
	k    *kicker
	addr string

	tlsMode IMAPTLSMode
	tlsConf *tls.Config

	mu     sync.Mutex
	ln     net.Listener // nil while stopped
	tr     *tracker     // connections of the current run
	served chan error   // receives what the current Serve returned
	closed bool
}

// StartIMAP starts an IMAP server on 127.0.0.1 on a free port with one
// user who logs in with user and pass (plaintext LOGIN is allowed).
func StartIMAP(user, pass string) (*IMAP, error) { return StartIMAPTLS(IMAPPlain, nil, user, pass) }

// IMAPTLSMode is how StartIMAPTLS offers TLS.
type IMAPTLSMode int

// The IMAP TLS modes.
const (
	IMAPPlain       IMAPTLSMode = iota // no TLS
	IMAPStartTLS                       // STARTTLS offered on the plain port
	IMAPImplicitTLS                    // TLS from the first byte (imaps)
)

// StartIMAPTLS is StartIMAP with TLS as mode says, using conf (from
// TestCA.ServerConfig).
func StartIMAPTLS(mode IMAPTLSMode, conf *tls.Config, user, pass string) (*IMAP, error) {
	if mode != IMAPPlain && conf == nil {
		return nil, errors.New("imap tls: no tls.Config")
	}
	s := &IMAP{mem: imapmemserver.New(), user: imapmemserver.NewUser(user, pass), k: newKicker(), tlsMode: mode, tlsConf: conf}
	s.mem.AddUser(s.user)
	for _, name := range []string{"INBOX", "Sent"} {
		if err := s.user.Create(name, nil); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
	}
	if err := s.start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.addr = s.ln.Addr().String()
	return s, nil
}

// Addr returns the server's host:port; it does not change on Restart.
func (s *IMAP) Addr() string { return s.addr }

func (s *IMAP) start(addr string) error {
	tr := newTracker()
	ln, err := tr.listen(addr)
	if err != nil {
		return fmt.Errorf("imap listen: %w", err)
	}
	var starttls *tls.Config // offered only in STARTTLS mode
	if s.tlsMode == IMAPStartTLS {
		starttls = s.tlsConf
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			sess, ok := s.mem.NewSession().(imapserver.SessionIMAP4rev2)
			if !ok {
				return nil, nil, errors.New("imapmemserver session lacks IMAP4rev2")
			}
			return idleSession{SessionIMAP4rev2: sess, k: s.k}, nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1: {},
			imap.CapIMAP4rev2: {},
			imap.CapUIDPlus:   {},
			imap.CapMove:      {},
			imap.CapNamespace: {},
		},
		Logger:       discardLogger{},
		InsecureAuth: true,
		TLSConfig:    starttls,
	})
	served := make(chan error, 1)
	s.ln, s.tr, s.served = ln, tr, served
	if s.tlsMode == IMAPImplicitTLS {
		ln = tls.NewListener(ln, s.tlsConf)
	}
	// Serve returns nil once the listener is closed. The imapserver.Server
	// itself is abandoned, not closed: Stop closes the listener and the
	// connections, and each connection goroutine ends on its own.
	go func() { served <- srv.Serve(ln) }()
	return nil
}

// Append stores raw in mailbox as the user would see it and returns its
// UID. Clients that have the mailbox selected or are in IDLE are told
// about it with an untagged EXISTS.
func (s *IMAP) Append(mailbox string, raw []byte) (uint32, error) {
	data, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()})
	s.k.kick()
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", mailbox, err)
	}
	return uint32(data.UID), nil
}

// Stop closes the listener and every open connection, as if the server
// went away. Mailbox contents are kept. Stop on a stopped server is a no-op.
func (s *IMAP) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked() // nothing to report: the connections are gone either way
}

func (s *IMAP) stopLocked() error {
	if s.ln == nil {
		return nil
	}
	s.ln.Close()
	s.ln = nil
	serveErr := <-s.served
	s.tr.closeAll()
	if err := s.tr.wait(closeWait); err != nil {
		return fmt.Errorf("imap stop: %w", err)
	}
	if !isClosed(serveErr) {
		return fmt.Errorf("imap serve: %w", serveErr)
	}
	return nil
}

// Restart listens again on the same port after Stop, serving the same
// mailboxes (same UIDs and UIDVALIDITY).
func (s *IMAP) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("imap server is closed")
	}
	if s.ln != nil {
		return errors.New("imap server is running")
	}
	return s.start(s.addr)
}

// Close stops the server for good and waits for its connections to end.
func (s *IMAP) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	return s.stopLocked()
}

// discardLogger silences the libraries' error logs (closed connections
// are expected here).
type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
