// Package daemon runs followupd: the ingest loop (an inbox.Watcher feeding
// the store) and the dispatch loop (claiming due follow-ups and sending
// them), wired from a config.Config. It owns start-up, shutdown and the
// recovery of goroutines that panic. Time comes from an injected clock and
// connections from injectable dialers, so a test can run the whole daemon
// against loopback servers.
package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/mailer"
	"github.com/followupd/followupd/rules"
	"github.com/followupd/followupd/templates"
)

// Options are what a caller may inject; zero values mean the real thing.
type Options struct {
	Log   *slog.Logger
	Clock clock.Clock
	// DialIMAP and DialSMTP replace the network dialers.
	DialIMAP func(ctx context.Context, network, addr string) (net.Conn, error)
	DialSMTP func(ctx context.Context, network, addr string) (net.Conn, error)
	// Grace is how long a send in flight may take after shutdown starts; default 8s.
	Grace time.Duration
	// Debug enables the IMAP protocol trace (credentials redacted) to the log.
	Debug bool
}

// Daemon is one running followupd.
type Daemon struct {
	cfg   *config.Config
	opts  Options
	log   *slog.Logger
	clock clock.Clock
	store *store.Store
	tmpl  *templates.Set
	mail  *mailer.Mailer
	from  *mail.Address
	watch *inbox.Watcher

	kick   chan struct{}
	panics atomic.Int64
}

// New opens the store and loads the templates. Close releases them.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Daemon, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Grace == 0 {
		opts.Grace = 8 * time.Second
	}
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("smtp.from: %w", err)
	}
	tmpl, err := templates.Load(cfg.Templates.Dir)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	if err := CheckTemplates(cfg, tmpl); err != nil {
		return nil, err
	}
	m, err := mailer.New(mailer.Config{
		Address: cfg.SMTP.Address, Security: cfg.SMTP.Security,
		Username: cfg.SMTP.Username, Password: cfg.SMTP.Secret, Helo: cfg.SMTP.Helo,
		Timeout: cfg.SMTP.Timeout.Duration, InsecureSkipVerify: cfg.SMTP.InsecureSkipVerify,
		Dial: opts.DialSMTP,
	})
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		cfg: cfg, opts: opts, log: opts.Log, clock: opts.Clock,
		store: st, tmpl: tmpl, mail: m, from: from,
		kick: make(chan struct{}, 1),
	}
	wo := inbox.Options{
		Address: cfg.IMAP.Address, Security: cfg.IMAP.Security,
		Username: cfg.IMAP.Username, Password: cfg.IMAP.Secret, Mailbox: cfg.IMAP.Mailbox,
		PollInterval: cfg.IMAP.PollInterval.Duration, IdleRefresh: cfg.IMAP.IdleRefresh.Duration,
		Timeout: cfg.IMAP.Timeout.Duration, MaxSize: cfg.IMAP.MaxMessageSize,
		Dial: opts.DialIMAP, Log: opts.Log, Now: opts.Clock.Now,
	}
	if cfg.IMAP.InsecureSkipVerify {
		wo.TLS = insecureTLS()
	}
	if opts.Debug {
		wo.Debug = &logWriter{log: opts.Log, msg: "imap trace"}
	}
	d.watch = inbox.NewWatcher(wo, (*sink)(d))
	return d, nil
}

// CheckTemplates fails, naming the config key, when a sequence names a
// template that does not exist.
func CheckTemplates(cfg *config.Config, set *templates.Set) error {
	var missing []string
	for i, s := range cfg.Sequences {
		for j, st := range s.Steps {
			if !set.Has(st.Template) {
				missing = append(missing, fmt.Sprintf("%s: sequence[%d].steps[%d].template: no template %q (have %s)",
					cfg.File, i, j, st.Template, strings.Join(set.Names(), ", ")))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s", strings.Join(missing, "\n"))
	}
	return nil
}

// Close closes the store and the SMTP connection.
func (d *Daemon) Close() error {
	d.mail.Close()
	return d.store.Close()
}

// Store returns the daemon's store (for the CLI and tests).
func (d *Daemon) Store() *store.Store { return d.store }

// IMAPStatus returns the watcher's connection state.
func (d *Daemon) IMAPStatus() inbox.Status { return d.watch.Status() }

// Panics returns how many panics the daemon recovered from.
func (d *Daemon) Panics() int64 { return d.panics.Load() }

// Run runs both loops until ctx ends. It then stops taking new work, lets
// a send in flight finish (up to the grace period), logs out of IMAP and
// returns nil.
func (d *Daemon) Run(ctx context.Context) error {
	doubt, err := d.store.DoubtInterrupted(ctx)
	if err != nil {
		return err
	}
	for _, f := range doubt {
		d.log.Warn("follow-up in doubt: a previous run stopped while sending it; not sent again",
			"followup", f.ID, "customer", f.Customer.Email, "message_id", f.SMTPMessageID)
	}
	var wg sync.WaitGroup
	d.goSafe(&wg, "imap watcher", ctx, func(ctx context.Context) { d.watch.Run(ctx) })
	d.goSafe(&wg, "dispatcher", ctx, d.dispatchLoop)
	wg.Wait()
	d.log.Info("stopped")
	return nil
}

// goSafe runs fn in a goroutine that recovers a panic, logs its stack and
// starts fn again, until ctx ends.
func (d *Daemon) goSafe(wg *sync.WaitGroup, name string, ctx context.Context, fn func(context.Context)) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			if !d.runRecovered(name, ctx, fn) {
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}()
}

// runRecovered runs fn and reports whether it panicked.
func (d *Daemon) runRecovered(name string, ctx context.Context, fn func(context.Context)) (panicked bool) {
	defer func() {
		if r := recover(); r != nil {
			d.panics.Add(1)
			d.log.Error("recovered from a panic; restarting", "loop", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			panicked = true
		}
	}()
	fn(ctx)
	return false
}

// kickDispatcher wakes the dispatcher without blocking.
func (d *Daemon) kickDispatcher() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// newMessageID makes a Message-ID on the sender's domain.
func (d *Daemon) newMessageID() string {
	b := make([]byte, 15)
	rand.Read(b)
	_, domain, _ := strings.Cut(d.from.Address, "@")
	if domain == "" {
		domain = "followupd.invalid"
	}
	return "fu." + strings.ToLower(base32.StdEncoding.EncodeToString(b)) + "@" + domain
}

// logWriter turns a protocol trace into debug log lines.
type logWriter struct {
	log *slog.Logger
	msg string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.log.Debug(w.msg, "data", strings.TrimRight(string(p), "\r\n"))
	return len(p), nil
}

// policy is what rules need of the config.
func (d *Daemon) policy() rules.Policy {
	owner := append([]string{d.cfg.Business.OwnerEmail}, d.cfg.Business.OwnerAliases...)
	return rules.Policy{Owner: owner, Self: []string{d.cfg.IMAP.Username, d.from.Address}}
}
