// Package daemon runs followupd: the ingest loop (an inbox.Watcher feeding
// the store) and the dispatch loop (claiming due follow-ups, gating and
// sending them), wired from a config.Config. It owns start-up, reload,
// shutdown and the recovery of goroutines that panic. Time comes from an
// injected clock and connections from injectable dialers, so a test can run
// the whole daemon against loopback servers.
package daemon

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
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
	"github.com/followupd/followupd/internal/admin"
	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
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
	// Grace is how long a send in flight may take after shutdown starts;
	// default 6s, so that the process exits within 10s of SIGTERM.
	Grace time.Duration
	// Debug enables the IMAP protocol trace (credentials redacted) to the log.
	Debug bool
}

// Prepared is a checked config with what it needs besides itself
// (templates, rules, sender): the part of the daemon a reload replaces
// as a whole.
type Prepared struct {
	cfg      *config.Config
	tmpl     *templates.Set
	policy   *rules.Policy
	from     *mail.Address
	warnings []string
}

// Daemon is one running followupd.
type Daemon struct {
	opts   Options
	log    *slog.Logger
	clock  clock.Clock
	store  *store.Store
	mail   *mailer.Mailer
	watch  *inbox.Watcher
	outbox *inbox.Outbox // the Sent folder
	// noSentFolder: the server has none, so nothing is copied there.
	noSentFolder atomic.Bool
	metrics      *admin.Metrics
	unsub        unsubscriber

	cur    atomic.Pointer[Prepared]
	kicks  []chan struct{} // one per dispatcher
	capMu  sync.Mutex      // held from the daily-cap count to the send's record
	panics atomic.Int64
	admin  *admin.Server // nil when [admin] listen is off

	digestDay string // the local date whose digest is done; dispatcher 0 only
}

// Prepare loads and checks what a config needs besides itself: the
// templates (each rendered against sample data), the sequences' template
// names and the classification rules. `followupd check` and reload use it.
func Prepare(cfg *config.Config) (*Prepared, error) {
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("%s: smtp.from: %w", cfg.File, err)
	}
	tmpl, err := templates.Load(cfg.Templates.Dir)
	if err != nil {
		return nil, err
	}
	if err := tmpl.CheckOwner(); err != nil {
		return nil, err
	}
	if err := CheckTemplates(cfg, tmpl); err != nil {
		return nil, err
	}
	p, err := rules.New(cfg, tmpl.Asks)
	if err != nil {
		return nil, err
	}
	lv := &Prepared{cfg: cfg, tmpl: tmpl, policy: p, from: from}
	lv.warnings = append(lv.warnings, trustWarnings(cfg)...)
	for i, s := range cfg.Sequences {
		for j, st := range s.Steps {
			if st.Asks == core.AsksNothing && tmpl.Asks(st.Template) == core.AsksNothing && rules.NamedLikeFeedback(st.Template) {
				lv.warnings = append(lv.warnings, fmt.Sprintf("%s: template %q is named like a feedback request but does not say what it asks: "+
					"answers to it are read as feedback by its name; say so with asks: rating in its front matter, or asks = \"rating\" on the step",
					cfg.Where(fmt.Sprintf("sequence[%d].steps[%d].template", i, j)), st.Template))
			}
		}
	}
	return lv, nil
}

// trustWarnings says what is weak in how owner mail is verified.
func trustWarnings(cfg *config.Config) []string {
	t := cfg.Trust
	switch {
	case t.Owner == config.OwnerFromHeader:
		return []string{fmt.Sprintf("%s: OWNER MAIL IS NOT VERIFIED: anyone who writes %s in a From header can forward mail, tag customers "+
			"(#resolved, #stop, #vip) and make the shop write to any address; set [trust] owner = \"verified\" and authserv_ids",
			cfg.Where("trust.owner"), cfg.Business.OwnerEmail)}
	case len(t.IDs) == 0:
		return []string{fmt.Sprintf("%s: no authserv_ids: owner mail is verified only by its own DKIM signature, and unsigned owner mail waits for "+
			"followupd approve; `followupd inspect` on a mail of yours prints the Authentication-Results ids your server writes", cfg.Where("trust.authserv_ids"))}
	}
	return nil
}

// Warnings returns what `followupd check` and a start or reload should
// point out about a config that works.
func (lv *Prepared) Warnings() []string { return lv.warnings }

// CheckEveryLanguage renders every template in every language, the
// built-in translations too (Prepare renders only those an owner's file
// is in): what `followupd check` promises.
func (lv *Prepared) CheckEveryLanguage() error { return lv.tmpl.Check() }

// New opens the store and loads the templates. Close releases them.
func New(ctx context.Context, cfg *config.Config, opts Options) (*Daemon, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Grace == 0 {
		opts.Grace = 6 * time.Second
	}
	lv, err := Prepare(cfg)
	if err != nil {
		return nil, err
	}
	for _, w := range lv.Warnings() {
		opts.Log.Warn(w)
	}
	m, err := newMailer(cfg, opts)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		return nil, err
	}
	for _, w := range st.Tightened() {
		opts.Log.Warn("database file permissions tightened", "file", w)
	}
	secret, err := st.SetMetaOnce(ctx, "unsubscribe_secret", randomHex(32))
	if err != nil {
		st.Close()
		return nil, err
	}
	d := &Daemon{
		opts: opts, log: opts.Log, clock: opts.Clock, store: st, mail: m,
		metrics: admin.NewMetrics(), unsub: unsubscriber{secret: []byte(secret)},
	}
	for range max(cfg.SMTP.Connections, 1) {
		d.kicks = append(d.kicks, make(chan struct{}, 1))
	}
	d.cur.Store(lv)
	d.metrics.SetQueueDepthFunc(d.queueDepth)
	wo := inbox.Options{
		Address: cfg.IMAP.Address, Security: cfg.IMAP.Security,
		Username: cfg.IMAP.Username, Password: cfg.IMAP.Secret, Mailbox: cfg.IMAP.Mailbox, AllowPlaintext: cfg.IMAP.AllowPlaintext,
		PollInterval: cfg.IMAP.PollInterval.Duration, NoIdle: !cfg.IMAP.UsesIdle(), IdleRefresh: cfg.IMAP.IdleRefresh.Duration,
		Timeout: cfg.IMAP.Timeout.Duration, MaxSize: cfg.IMAP.MaxMessageSize,
		Dial: opts.DialIMAP, Log: opts.Log, Now: opts.Clock.Now, OnReconnect: d.metrics.Reconnect,
	}
	if cfg.IMAP.InsecureSkipVerify {
		wo.TLS = insecureTLS()
	}
	if opts.Debug {
		wo.Debug = &logWriter{log: opts.Log, msg: "imap trace"}
	}
	d.watch = inbox.NewWatcher(wo, (*sink)(d))
	// The Sent folder is searched after a crash even when followupd does
	// not copy to it: providers such as Gmail file sent mail themselves.
	ob := wo
	ob.Debug = nil
	d.outbox = inbox.NewOutbox(ob, cfg.SMTP.SentMailbox)
	if cfg.Admin.Listen != "" {
		maxAge := 2*cfg.IMAP.IdleRefresh.Duration + cfg.IMAP.Timeout.Duration
		if p := 2*cfg.IMAP.PollInterval.Duration + cfg.IMAP.Timeout.Duration; p > maxAge {
			maxAge = p
		}
		srv, err := admin.NewServer(cfg.Admin.Listen, cfg.Admin.AllowRemote, d, d.metrics, opts.Clock.Now, maxAge)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("%s: admin.listen: %w", cfg.File, err)
		}
		d.admin = srv
	}
	return d, nil
}

// AdminAddr returns the admin listener's address, or "" when it is off.
func (d *Daemon) AdminAddr() string {
	if d.admin == nil {
		return ""
	}
	return d.admin.Addr()
}

func newMailer(cfg *config.Config, opts Options) (*mailer.Mailer, error) {
	return mailer.New(mailer.Config{
		Address: cfg.SMTP.Address, Security: cfg.SMTP.Security,
		Username: cfg.SMTP.Username, Password: cfg.SMTP.Secret, Helo: cfg.SMTP.Helo,
		Timeout: cfg.SMTP.Timeout.Duration, InsecureSkipVerify: cfg.SMTP.InsecureSkipVerify,
		Dial: opts.DialSMTP, Auth: cfg.SMTP.Auth, TokenCommand: cfg.SMTP.TokenCommand, TokenFile: cfg.SMTP.TokenFile,
		Rate: cfg.SMTP.Rate, Trace: trace(opts), Connections: max(cfg.SMTP.Connections, 1),
	})
}

// trace returns the logger for protocol traces: only with -debug.
func trace(opts Options) *slog.Logger {
	if opts.Debug {
		return opts.Log
	}
	return nil
}

// CheckTemplates fails, naming the config key, when a sequence names a
// template that does not exist.
func CheckTemplates(cfg *config.Config, set *templates.Set) error {
	var missing []string
	for i, s := range cfg.Sequences {
		for j, st := range s.Steps {
			if !set.Has(st.Template) {
				missing = append(missing, fmt.Sprintf("%s: no template %q (have %s)",
					cfg.Where(fmt.Sprintf("sequence[%d].steps[%d].template", i, j)), st.Template, strings.Join(set.Names(), ", ")))
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s", strings.Join(missing, "\n"))
	}
	return nil
}

// ConfigFile returns the path of the config in force.
func (d *Daemon) ConfigFile() string { return d.conf().File }

func (d *Daemon) live() *Prepared                      { return d.cur.Load() }
func (d *Daemon) conf() *config.Config                 { return d.cur.Load().cfg }
func (d *Daemon) policy() *rules.Policy                { return d.cur.Load().policy }
func (d *Daemon) Metrics() *admin.Metrics              { return d.metrics }
func (d *Daemon) Store() *store.Store                  { return d.store }
func (d *Daemon) IMAPStatus() inbox.Status             { return d.watch.Status() }
func (d *Daemon) Panics() int64                        { return d.panics.Load() }
func (d *Daemon) UnsubscribeToken(email string) string { return d.unsub.Token(email) }

// IMAPHealth implements admin.Health.
func (d *Daemon) IMAPHealth() (bool, time.Time, string) {
	s := d.watch.Status()
	return s.Connected, s.LastSync, s.LastError
}

func (d *Daemon) queueDepth() float64 {
	n, err := d.store.Pending(context.Background())
	if err != nil {
		return -1
	}
	return float64(n)
}

// Close closes the store and the SMTP connection.
func (d *Daemon) Close() error {
	if d.admin != nil {
		d.admin.Close()
	}
	if d.outbox != nil {
		d.outbox.Close()
	}
	d.mail.Close()
	return d.store.Close()
}

// Run runs both loops until ctx ends. It then stops taking new work, lets
// a send in flight finish (up to the grace period), logs out of IMAP and
// returns nil.
func (d *Daemon) Run(ctx context.Context) error {
	if err := d.reconcile(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	d.goSafe(&wg, "imap watcher", ctx, func(ctx context.Context) { d.watch.Run(ctx) })
	// One dispatcher per SMTP connection: [smtp] changes need a restart,
	// so their number is the one New saw.
	for i := range d.kicks {
		part := store.Part{N: i, Of: len(d.kicks)}
		d.goSafe(&wg, fmt.Sprintf("dispatcher %d", i), ctx, func(ctx context.Context) { d.dispatchLoop(ctx, part) })
	}
	if d.admin != nil {
		d.goSafe(&wg, "admin listener", ctx, func(ctx context.Context) {
			if err := d.admin.Serve(ctx); err != nil {
				d.log.Error("admin listener", "err", err)
			}
		})
	}
	wg.Wait()
	d.log.Info("stopped")
	return nil
}

// reconcile settles the follow-ups a previous run left "sending", never
// sending one again blindly: if the final dot was never about to be
// written the server cannot have it, so it is sent again; otherwise the
// Sent folder is searched for its Message-ID: found means sent, not found
// means in doubt, for the owner to decide (followupd retry ID).
func (d *Daemon) reconcile(ctx context.Context) error {
	fs, err := d.store.Interrupted(ctx)
	if err != nil {
		return err
	}
	now := d.clock.Now()
	for _, f := range fs {
		log := d.log.With("followup", f.ID, "customer", f.Customer.Email, "message_id", f.SMTPMessageID)
		if f.Dot.IsZero() {
			d.record(log, d.store.Reschedule(ctx, f.ID, now, "interrupted before the end of DATA: sent again"),
				"interrupted send had not reached the end of DATA: it will be sent again")
			continue
		}
		why := "interrupted after the final dot, and there is no Sent folder to check"
		if d.outbox != nil {
			found, err := d.outbox.Has(ctx, f.SMTPMessageID)
			switch {
			case err != nil:
				why = "interrupted after the final dot; the Sent folder could not be searched: " + err.Error()
			case found:
				d.record(log, d.store.MarkSent(ctx, f.ID, now, f.Variant), "interrupted send found in the Sent folder: recorded as sent")
				continue
			default:
				why = "interrupted after the final dot; not in the Sent folder"
			}
		}
		if err := d.store.MarkDoubt(ctx, f.ID, why); err != nil {
			return err
		}
		d.metrics.InDoubt()
		log.Warn("follow-up in doubt: not sent again (followupd retry ID sends it)", "reason", why)
	}
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

// kickDispatcher wakes the dispatchers without blocking.
func (d *Daemon) kickDispatcher() {
	for _, k := range d.kicks {
		select {
		case k <- struct{}{}:
		default:
		}
	}
}

// newMessageID makes a Message-ID on the sender's domain.
func (d *Daemon) newMessageID() string {
	b := make([]byte, 15)
	rand.Read(b)
	_, domain, _ := strings.Cut(d.live().from.Address, "@")
	if domain == "" {
		domain = "followupd.invalid"
	}
	return "fu." + strings.ToLower(base32.StdEncoding.EncodeToString(b)) + "@" + domain
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
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

// Templates returns how many templates a prepared config has, and in how
// many languages besides their base files.
func (lv *Prepared) Templates() (n, langs int) {
	seen := map[core.Lang]bool{}
	for _, name := range lv.tmpl.Names() {
		for _, l := range lv.tmpl.Langs(name) {
			seen[l] = true
		}
	}
	return len(lv.tmpl.Names()), len(seen)
}
