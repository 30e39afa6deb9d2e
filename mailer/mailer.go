// Package mailer builds follow-up emails with go-mail and sends them over
// SMTP. It sets the headers that keep a follow-up in the customer's thread
// (Message-ID, In-Reply-To, References) and mark it automatic
// (Auto-Submitted), reuses one SMTP connection between sends, and
// classifies every failure as temporary or permanent (*Error). It never
// touches the database. Nothing that comes from a customer is passed to
// go-mail as a preformatted header: names, subjects and ids are cleaned of
// control characters and encoded by go-mail.
package mailer

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Config says how to reach the SMTP server.
type Config struct {
	Address  string // host:port
	Security string // none | starttls | tls
	Username string // empty: no AUTH
	Password string
	Helo     string
	Timeout  time.Duration // each dial and command; 0 means 30s
	// TLS overrides the TLS configuration (tests use it for their own CA).
	TLS *tls.Config
	// InsecureSkipVerify turns certificate checks off.
	InsecureSkipVerify bool
	// Dial, if set, replaces the network dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// IdleTimeout closes a reused connection unused for this long; 0 means 30s.
	IdleTimeout time.Duration
}

// Mail is one follow-up to send.
type Mail struct {
	From          *mail.Address
	To            *mail.Address
	ReplyTo       *mail.Address // optional
	Subject       string
	Text          string
	MessageID     string // without angle brackets
	InReplyTo     string // the customer's Message-ID, without brackets
	References    []string
	Date          time.Time
	AutoSubmitted string // e.g. "auto-generated"; empty: no header
}

// Mailer sends mail over one reused SMTP connection. It is safe for
// concurrent use; sends are serialized.
type Mailer struct {
	cfg Config

	mu       sync.Mutex
	client   *gomail.Client
	lastUsed time.Time
}

// New returns a Mailer; it connects on the first Send.
func New(cfg Config) (*Mailer, error) {
	if _, _, err := net.SplitHostPort(cfg.Address); err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Address, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 30 * time.Second
	}
	return &Mailer{cfg: cfg}, nil
}

func (m *Mailer) newClient() (*gomail.Client, error) {
	host, portStr, _ := net.SplitHostPort(m.cfg.Address)
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("smtp port %q: %w", portStr, err)
	}
	tlsConf := m.cfg.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	}
	tlsConf = tlsConf.Clone()
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = host
	}
	tlsConf.InsecureSkipVerify = tlsConf.InsecureSkipVerify || m.cfg.InsecureSkipVerify
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(m.cfg.Timeout),
		gomail.WithTLSConfig(tlsConf),
	}
	switch m.cfg.Security {
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case "starttls", "":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		return nil, fmt.Errorf("smtp security %q: want none, starttls or tls", m.cfg.Security)
	}
	if m.cfg.Helo != "" {
		opts = append(opts, gomail.WithHELO(m.cfg.Helo))
	}
	if m.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.cfg.Username), gomail.WithPassword(m.cfg.Password))
	}
	if m.cfg.Dial != nil {
		opts = append(opts, gomail.WithDialContextFunc(m.cfg.Dial))
	}
	return gomail.NewClient(host, opts...)
}

// Send delivers one mail. Its error, if any, is an *Error saying whether
// trying again later may help and whether the server may have accepted it.
func (m *Mailer) Send(ctx context.Context, ml *Mail) error {
	msg, err := build(ml)
	if err != nil {
		return &Error{Permanent: true, Stage: StageBuild, Err: err}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.client != nil && time.Since(m.lastUsed) > m.cfg.IdleTimeout {
		m.closeLocked()
	}
	if m.client == nil {
		c, err := m.newClient()
		if err != nil {
			return &Error{Permanent: true, Stage: StageConnect, Err: err}
		}
		dctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
		err = c.DialWithContext(dctx)
		cancel()
		if err != nil {
			return classify(err, StageConnect)
		}
		m.client = c
	}
	// go-mail takes no context on Send: close the connection to abandon it.
	stop := context.AfterFunc(ctx, func() { m.client.Close() })
	err = m.client.Send(msg)
	stop()
	m.lastUsed = time.Now()
	if err != nil {
		// The connection may be in any state: start afresh next time.
		m.closeLocked()
		return classify(err, "")
	}
	return nil
}

// Close closes the reused connection, if any.
func (m *Mailer) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closeLocked()
	return nil
}

func (m *Mailer) closeLocked() {
	if m.client != nil {
		m.client.Close()
		m.client = nil
	}
}
