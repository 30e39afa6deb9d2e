// Package mailer builds follow-up emails with go-mail and sends them over
// SMTP.
//
// Building: it sets the headers that keep a follow-up in the customer's
// thread (Message-ID, In-Reply-To, References), mark it automatic
// (Auto-Submitted) and let the customer stop it (List-Unsubscribe, with
// RFC 8058 one-click when an https URL is given), with an optional HTML
// alternative. Nothing that comes from a customer is passed to go-mail as
// a preformatted header: names, subjects and ids are cleaned of control
// characters, addresses must be bare addresses, and go-mail encodes the
// rest (RFC 2047). The same Mail always gives the same bytes (Build), and
// Send sends exactly those bytes.
//
// Sending: plain, STARTTLS (mandatory: never a silent downgrade) or
// implicit TLS, with certificates verified unless told otherwise; AUTH
// PLAIN, LOGIN or XOAUTH2 with a token read afresh for each connection;
// a pool of connections reused between sends; MAIL, RCPT and DATA
// pipelined when the server offers PIPELINING, and in SendBatch behind
// the previous mail's final dot; an optional rate limit; a deadline on
// every step. Every failure is an *Error saying whether it is
// temporary, permanent, about the recipient, a configuration problem, or
// in doubt (the server may have the message). It never touches the
// database.
package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"strings"
	"sync"
	"time"
)

// Values of Config.Security.
const (
	SecurityNone     = "none"     // plain SMTP (a local relay)
	SecurityStartTLS = "starttls" // port 587: STARTTLS, required
	SecurityTLS      = "tls"      // port 465: TLS from the first byte
)

// Config says how to reach the SMTP server.
type Config struct {
	Address  string // host:port
	Security string // none | starttls (the default) | tls
	Username string // empty: no AUTH
	Password string // the password, or a static XOAUTH2 token
	// Auth chooses the AUTH mechanism: "" picks XOAUTH2 when a token
	// source is set, else PLAIN or LOGIN, whichever the server offers
	// first in that order; "plain", "login" or "xoauth2" insist on one.
	// Credentials are only sent over TLS, or to a loopback address.
	Auth string
	// TokenCommand, if set, is run (without a shell, under Timeout) before
	// each new connection; its trimmed stdout is the XOAUTH2 access token.
	TokenCommand []string
	// TokenFile, if set, is read before each new connection; its trimmed
	// content is the XOAUTH2 access token (kept fresh by another program).
	TokenFile string
	Helo      string        // EHLO name; empty: the host name
	Timeout   time.Duration // the dial with TLS, EHLO and AUTH, then each command and the DATA; 0 means 30s
	// TLS overrides the TLS configuration (tests use it for their own CA).
	TLS *tls.Config
	// InsecureSkipVerify turns certificate checks off.
	InsecureSkipVerify bool
	// Dial, if set, replaces the network dialer (TLS is still done here).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// IdleTimeout closes a reused connection unused for this long; 0 means 30s.
	IdleTimeout time.Duration
	// Rate limits sending, as ParseRate reads it ("30/m", "1/s",
	// "500/h"); "" is unlimited. Send waits for its turn.
	Rate string
	// Trace, if set, receives the SMTP protocol trace at debug level,
	// without AUTH data.
	Trace *slog.Logger
	// Connections is how many connections concurrent Sends may use at
	// once, each opened when first needed; 0 means 1. The rate limit
	// covers them all.
	Connections int
}

// Mail is one follow-up to send. Build, Send and SendBatch build it once
// and keep the result: do not change a Mail after passing it to them.
type Mail struct {
	From          *mail.Address
	To            *mail.Address
	ReplyTo       *mail.Address // optional
	Subject       string
	Text          string
	HTML          string // optional: with it the mail is multipart/alternative
	MessageID     string // without angle brackets; empty: a random one
	InReplyTo     string // the customer's Message-ID, without brackets
	References    []string
	Date          time.Time // zero: now
	AutoSubmitted string    // e.g. "auto-generated"; empty: no header
	// BeforeDot, if set, is called after the content was written and
	// just before the final dot that commits the message. If it fails the
	// dot is not sent and the transaction is abandoned (a StageData error,
	// not in doubt). The daemon records there that from now on the server
	// may have the message.
	BeforeDot func() error
	// UnsubscribeMailto, e.g. "mailto:shop+unsubscribe-TOKEN@example.test?subject=unsubscribe",
	// goes into List-Unsubscribe.
	UnsubscribeMailto string
	// UnsubscribeURL, an https URL, goes into List-Unsubscribe too, with
	// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058): the
	// URL must unsubscribe on a POST without further confirmation.
	UnsubscribeURL string

	// rendered is the message as first built by Build, Send or SendBatch;
	// a Mail is not to be changed after that.
	rendered *message
}

// Mailer sends mail over reused SMTP connections: as many at once as
// Config.Connections allows. It is safe for concurrent use.
type Mailer struct {
	cfg  Config
	host string
	helo string
	tls  *tls.Config
	rate Rate

	rateMu   sync.Mutex
	nextTurn time.Time // the earliest start of the next send

	// idle holds every connection slot not in use by a Send; a Send takes
	// one (waiting with its ctx) and gives it back.
	idle chan *slot
}

// slot is one connection a Send may use: open or not yet (sess nil).
type slot struct {
	sess     *session
	lastUsed time.Time
}

// drop closes the slot's connection; the next use opens a new one.
func (c *slot) drop() {
	c.sess.close()
	c.sess = nil
}

// New checks cfg and returns a Mailer; it connects on the first Send.
func New(cfg Config) (*Mailer, error) {
	host, _, err := net.SplitHostPort(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("smtp address %q: %w", cfg.Address, err)
	}
	var problems []error
	switch cfg.Security {
	case "":
		cfg.Security = SecurityStartTLS
	case SecurityNone, SecurityStartTLS, SecurityTLS:
	default:
		problems = append(problems, fmt.Errorf("smtp security %q: want none, starttls or tls", cfg.Security))
	}
	switch strings.ToLower(cfg.Auth) {
	case AuthAuto, AuthPlain, AuthLogin, AuthXOAUTH2:
	default:
		problems = append(problems, fmt.Errorf("smtp auth %q: want plain, login, xoauth2 or empty for automatic", cfg.Auth))
	}
	if len(cfg.TokenCommand) > 0 && cfg.TokenFile != "" {
		problems = append(problems, errors.New("smtp token_command and token_file: set one, not both"))
	}
	if len(cfg.TokenCommand) > 0 && cfg.TokenCommand[0] == "" {
		problems = append(problems, errors.New("smtp token_command: the program is empty"))
	}
	if cfg.mechanism() == AuthXOAUTH2 || len(cfg.TokenCommand) > 0 || cfg.TokenFile != "" {
		if cfg.Username == "" {
			problems = append(problems, errors.New("smtp xoauth2 needs a username"))
		}
		if cfg.mechanism() != AuthXOAUTH2 {
			problems = append(problems, fmt.Errorf("smtp auth %q cannot use a token; use xoauth2", cfg.Auth))
		}
		if len(cfg.TokenCommand) == 0 && cfg.TokenFile == "" && cfg.Password == "" {
			problems = append(problems, errors.New("smtp xoauth2 needs token_command, token_file or the token as password"))
		}
	}
	rate, err := ParseRate(cfg.Rate)
	if err != nil {
		problems = append(problems, fmt.Errorf("smtp %w", err))
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 30 * time.Second
	}
	tlsConf := cfg.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	tlsConf = tlsConf.Clone()
	if tlsConf.ServerName == "" {
		tlsConf.ServerName = host
	}
	tlsConf.InsecureSkipVerify = tlsConf.InsecureSkipVerify || cfg.InsecureSkipVerify
	helo := cfg.Helo
	if helo == "" {
		if helo, err = os.Hostname(); err != nil || helo == "" {
			helo = "localhost"
		}
	}
	n := max(cfg.Connections, 1)
	m := &Mailer{cfg: cfg, host: host, helo: helo, tls: tlsConf, rate: rate, idle: make(chan *slot, n)}
	for range n {
		m.idle <- &slot{}
	}
	return m, nil
}

// Build returns the message exactly as Send would send it (RFC 5322, CRLF
// line ends), e.g. to APPEND the same message to the Sent folder. The
// bytes depend only on ml, so Build and Send agree as long as ml sets
// MessageID and Date. Its error, if any, is an *Error at StageBuild.
func (m *Mailer) Build(ml *Mail) ([]byte, error) {
	msg, err := render(ml)
	if err != nil {
		return nil, buildError(err)
	}
	return msg.raw, nil
}

func buildError(err error) *Error {
	var ce *configError
	return &Error{Permanent: true, Config: errors.As(err, &ce), Stage: StageBuild, Err: err}
}

// Send delivers one mail: the bytes Build returns for it. It waits for
// its turn under the rate limit and for other sends to finish, as long as
// ctx allows; cancelling ctx aborts the SMTP conversation. Its error, if
// any, is an *Error saying whether trying again later may help and
// whether the server may have accepted the message.
func (m *Mailer) Send(ctx context.Context, ml *Mail) error {
	msg, err := render(ml)
	if err != nil {
		return buildError(err)
	}
	if err := m.waitTurn(ctx); err != nil {
		return &Error{Stage: StageWait, Err: err}
	}
	var c *slot
	select {
	case c = <-m.idle:
	case <-ctx.Done():
		return &Error{Stage: StageWait, Err: ctx.Err()}
	}
	defer func() { m.idle <- c }()
	fresh, e := m.ready(ctx, c)
	if e != nil {
		return e
	}
	e = c.sess.transact(ctx, msg)
	if e != nil && !fresh && e.Stage == StageRcpt && e.Code == 0 && ctx.Err() == nil {
		// The reused connection was gone before the envelope got any
		// reply (the server closed it while it was idle): none of the
		// message was sent. Try once more on a new connection.
		c.drop()
		if _, e = m.ready(ctx, c); e != nil {
			return e
		}
		e = c.sess.transact(ctx, msg)
	}
	c.lastUsed = time.Now()
	if e != nil {
		// The connection may be in any state: start afresh next time.
		c.drop()
		return e
	}
	return nil
}

// noopAfter is how long a connection may idle before it is checked with
// NOOP ahead of a send. One used moments ago is not: if it has gone all
// the same, Send notices at the envelope and tries a new connection.
const noopAfter = time.Second

// ready makes sure c has a working connection: the reused one if it is
// recent (and answers NOOP when it idled), else a new one; fresh reports
// a new one.
func (m *Mailer) ready(ctx context.Context, c *slot) (fresh bool, e *Error) {
	if c.sess != nil {
		idle := time.Since(c.lastUsed)
		if idle > m.cfg.IdleTimeout || (idle >= noopAfter && !c.sess.alive()) {
			c.drop()
		}
	}
	if c.sess != nil {
		return false, nil
	}
	s, e := m.connect(ctx)
	if e != nil {
		return true, e
	}
	c.sess = s
	return true, nil
}

// Close says QUIT on each open connection and closes it. It waits for
// sends in progress (bounded by their timeouts). A later Send connects
// afresh.
func (m *Mailer) Close() error {
	slots := make([]*slot, cap(m.idle))
	for i := range slots {
		slots[i] = <-m.idle
	}
	for _, c := range slots {
		if c.sess != nil {
			c.sess.quit()
			c.sess = nil
		}
		m.idle <- c
	}
	return nil
}
