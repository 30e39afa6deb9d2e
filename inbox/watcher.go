package inbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/followupd/followupd/internal/backoff"
)

// Checkpoint is how far a mailbox has been recorded: every message with a
// UID up to LastUID under UIDValidity. Messages with a UID below
// HistoryBelow were in the mailbox when followupd first saw it.
type Checkpoint struct {
	UIDValidity  uint32
	LastUID      uint32
	HistoryBelow uint32
}

// Fetched is one message as fetched from the server.
type Fetched struct {
	UID          uint32
	Raw          []byte // the whole message; only the header when TooBig
	Size         int64  // RFC822.SIZE
	InternalDate time.Time
	TooBig       bool // larger than MaxSize: not fetched whole, left in the mailbox
	History      bool // it was there on first start
}

// Sink records what the watcher fetches. Deliver must record the messages
// and the new checkpoint in one transaction: if it fails, nothing of it
// counts and the watcher fetches the same messages again later.
type Sink interface {
	Checkpoint(ctx context.Context, mailbox string) (cp Checkpoint, ok bool, err error)
	Deliver(ctx context.Context, mailbox string, cp Checkpoint, msgs []Fetched) error
	// Synced records that the mailbox was fully fetched at time at, when
	// nothing new came (Deliver records it otherwise).
	Synced(ctx context.Context, mailbox string, at time.Time) error
}

// syncedEvery bounds how often an idle mailbox's sync time is written.
const syncedEvery = 30 * time.Second

// Options configure a Watcher.
type Options struct {
	Address  string // host:port
	Security string // none | starttls | tls
	Username string
	Password string
	// AllowPlaintext lets the password go in clear (Security "none") to a
	// host that is not on loopback; otherwise such a login is refused.
	AllowPlaintext bool
	Mailbox        string

	PollInterval time.Duration // when the server has no IDLE (or NoIdle); default 60s
	NoIdle       bool          // poll even if the server offers IDLE
	IdleRefresh  time.Duration // re-issue IDLE this often; default 4m
	Timeout      time.Duration // dial and every command; default 30s
	MaxSize      int64         // bigger messages are not fetched whole; default 25 MiB

	TLS  *tls.Config                                                       // nil: verify against system roots
	Dial func(ctx context.Context, network, addr string) (net.Conn, error) // nil: TCP with keepalive
	Log  *slog.Logger
	// Debug receives the protocol trace, if set. Credentials are redacted.
	Debug io.Writer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OnReconnect, if set, is called each time the connection is lost.
	OnReconnect func()
}

// Status is what the watcher can say about itself.
type Status struct {
	Connected  bool
	LastSync   time.Time // the last time the mailbox was known to be fully fetched
	Reconnects int
	LastError  string
}

// Watcher keeps one IMAP connection to one mailbox and feeds every new
// message to its Sink, exactly once per UID, in UID order.
type Watcher struct {
	opts Options
	sink Sink
	log  *slog.Logger

	mu     sync.Mutex
	status Status

	persisted time.Time // the sync time last written to the sink
}

// NewWatcher returns a Watcher; Run starts it.
func NewWatcher(opts Options, sink Sink) *Watcher {
	if opts.PollInterval <= 0 {
		opts.PollInterval = 60 * time.Second
	}
	if opts.IdleRefresh <= 0 {
		opts.IdleRefresh = 4 * time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.MaxSize <= 0 {
		opts.MaxSize = 25 << 20
	}
	if opts.Mailbox == "" {
		opts.Mailbox = "INBOX"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Watcher{opts: opts, sink: sink, log: log.With("mailbox", opts.Mailbox)}
}

// Status returns a snapshot of the connection state.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

func (w *Watcher) setConnected(ok bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.status.Connected = ok
	if err != nil {
		w.status.LastError = err.Error()
	}
}

func (w *Watcher) synced() {
	w.mu.Lock()
	w.status.LastSync = w.opts.Now()
	w.mu.Unlock()
}

// Run watches the mailbox until ctx ends, reconnecting after any failure
// with capped, jittered backoff. It returns nil when ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	bo := backoff.Backoff{Min: time.Second, Max: 2 * time.Minute}
	for {
		err := w.session(ctx, &bo)
		w.setConnected(false, err)
		if ctx.Err() != nil {
			return nil
		}
		w.mu.Lock()
		w.status.Reconnects++
		w.mu.Unlock()
		if w.opts.OnReconnect != nil {
			w.opts.OnReconnect()
		}
		w.log.Warn("imap connection lost, reconnecting", "err", err)
		if !bo.Wait(ctx) {
			return nil
		}
	}
}

// session is one connection: connect, catch up, then wait for new mail
// until something fails.
func (w *Watcher) session(ctx context.Context, bo *backoff.Backoff) error {
	newMail := make(chan struct{}, 1)
	c, err := w.connect(ctx, newMail)
	if err != nil {
		return err
	}
	defer c.Close()
	// go-imap takes no context: closing the connection ends any wait. On
	// shutdown the idle loop logs out cleanly; this is the backstop.
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(3*time.Second, func() { c.Close() }) })
	defer stop()

	sel, err := waitFor(w, c, func() (*imap.SelectData, error) {
		return c.Select(w.opts.Mailbox, &imap.SelectOptions{ReadOnly: false}).Wait()
	})
	if err != nil {
		return fmt.Errorf("select %s: %w", w.opts.Mailbox, err)
	}
	cp, err := w.checkpoint(ctx, sel)
	if err != nil {
		return err
	}
	w.setConnected(true, nil)
	w.persisted = time.Time{} // write the first sync of every connection
	bo.Reset()
	w.log.Info("imap connected", "uidvalidity", sel.UIDValidity, "messages", sel.NumMessages, "last_uid", cp.LastUID)

	for {
		// Catch up by UID after every select and every notice: a notice can
		// be swallowed (by SELECT, a reconnect, a server restart).
		if cp, err = w.catchUp(ctx, c, cp); err != nil {
			return err
		}
		w.synced()
		if now := w.opts.Now(); now.Sub(w.persisted) >= syncedEvery {
			if err := w.sink.Synced(ctx, w.opts.Mailbox, now); err != nil {
				return fmt.Errorf("record sync: %w", err)
			}
			w.persisted = now
		}
		if err := w.waitForMail(ctx, c, newMail); err != nil {
			if ctx.Err() != nil {
				w.logout(c)
			}
			return err
		}
	}
}

// checkpoint loads the mailbox's checkpoint, starting one on first sight
// (everything there now is history) and starting over when UIDVALIDITY
// changed (Message-ID de-duplication then keeps old mail from counting twice).
func (w *Watcher) checkpoint(ctx context.Context, sel *imap.SelectData) (Checkpoint, error) {
	cp, ok, err := w.sink.Checkpoint(ctx, w.opts.Mailbox)
	if err != nil {
		return cp, fmt.Errorf("read checkpoint: %w", err)
	}
	switch {
	case !ok:
		next := uint32(sel.UIDNext)
		if next == 0 {
			next = 1 << 31 // no UIDNEXT: treat all present mail as history
		}
		cp = Checkpoint{UIDValidity: sel.UIDValidity, HistoryBelow: next}
		w.log.Info("first start: mail already in the mailbox is recorded as history", "history_below_uid", next)
	case cp.UIDValidity != sel.UIDValidity:
		w.log.Warn("UIDVALIDITY changed: fetching the mailbox again, known Message-IDs are skipped",
			"old", cp.UIDValidity, "new", sel.UIDValidity)
		cp = Checkpoint{UIDValidity: sel.UIDValidity}
	default:
		return cp, nil
	}
	if err := w.sink.Deliver(ctx, w.opts.Mailbox, cp, nil); err != nil {
		return cp, fmt.Errorf("write checkpoint: %w", err)
	}
	return cp, nil
}

// errTimeout is returned when the server did not answer in time.
var errTimeout = errors.New("imap server did not answer in time")

// waitFor runs one command's wait with the watchdog: if it does not finish
// within the timeout, the connection is closed, which ends the wait.
func waitFor[T any](w *Watcher, c *imapclient.Client, wait func() (T, error)) (T, error) {
	t := time.AfterFunc(w.opts.Timeout, func() {
		w.log.Warn("imap watchdog: command timed out, closing the connection", "timeout", w.opts.Timeout)
		c.Close()
	})
	v, err := wait()
	if !t.Stop() && err != nil {
		err = fmt.Errorf("%w: %v", errTimeout, err)
	}
	return v, err
}

func (w *Watcher) logout(c *imapclient.Client) {
	t := time.AfterFunc(2*time.Second, func() { c.Close() })
	defer t.Stop()
	c.Logout().Wait()
}
