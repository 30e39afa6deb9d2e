package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

// mailServer is the IMAP side of a test: in-process or Dovecot.
type mailServer interface {
	Addr() string
}

type harness struct {
	t      *testing.T
	dir    string
	imap   mailServer
	append func(raw []byte)
	smtp   *testserver.SMTP
	cfg    *config.Config
	clock  clock.Clock
	// extraBusiness is added to the [business] table of the config,
	// extraTrust to [trust], extraConfig after them.
	extraBusiness, extraTrust, extraConfig string
	// logTo, if set, gets the daemon's log too.
	logTo io.Writer
}

const testSequences = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3d", template = "check-in" },
]
`

// newHarness starts an in-process IMAP server (or uses Dovecot when
// dovecot is true) and an SMTP capture, and writes a config for them.
func newHarness(t *testing.T, dovecot bool) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: clock.Real{}}
	if dovecot {
		d := testserver.NeedDovecot(t)
		h.imap = d
		h.append = func(raw []byte) {
			if err := d.Append("INBOX", raw); err != nil {
				t.Fatalf("append to dovecot: %v", err)
			}
		}
	} else {
		s, err := testserver.StartIMAP("shop@example.test", "secret")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		h.imap = s
		h.append = func(raw []byte) {
			if _, err := s.Append("INBOX", raw); err != nil {
				t.Fatalf("append: %v", err)
			}
		}
	}
	smtp, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtp.Close() })
	h.smtp = smtp
	h.cfg = h.config(testSequences)
	return h
}

func (h *harness) config(sequences string) *config.Config {
	h.t.Helper()
	src := fmt.Sprintf(`
[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "owner@example.test"
timezone = "America/Chicago"
%s
[imap]
address = %q
security = "none"
username = "shop@example.test"
password = "secret"
idle_refresh = "1m"
timeout = "10s"

[smtp]
address = %q
security = "none"
from = "Pam at Acme Bikes <shop@example.test>"

[store]
path = "followupd.db"

[trust]
authserv_ids = ["mx.shop.test"]
%s
%s
%s`, h.extraBusiness, h.imap.Addr(), h.smtp.Addr(), h.extraTrust, h.extraConfig, sequences)
	path := filepath.Join(h.dir, "followupd.toml")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		h.t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		h.t.Fatalf("test config: %v", err)
	}
	return cfg
}

// stamped is raw as the shop's receiving server (mx.shop.test) delivers
// the owner's mail: with its Authentication-Results on top, DMARC passed.
func stamped(raw []byte) []byte {
	return append([]byte("Authentication-Results: mx.shop.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test\r\n"), raw...)
}

// running is a daemon started by a test.
type running struct {
	d    *Daemon
	stop func()
}

// start runs a daemon until the returned stop is called (or the test ends);
// stop fails the test if any panic was recovered.
func (h *harness) start() *running {
	h.t.Helper()
	var out io.Writer = testWriter{h.t}
	if h.logTo != nil {
		out = io.MultiWriter(out, &lockedWriter{w: h.logTo})
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d, err := New(context.Background(), h.cfg, Options{Log: log, Clock: h.clock, Grace: 2 * time.Second})
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	var once sync.Once
	r := &running{d: d}
	r.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if n := d.Panics(); n > 0 {
				h.t.Errorf("the daemon recovered from %d panic(s)", n)
			}
			d.Close()
		})
	}
	h.t.Cleanup(r.stop)
	return r
}

// waitConnected waits (bounded) until the watcher has synced the mailbox.
func (r *running) waitConnected(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if st := r.d.IMAPStatus(); st.Connected && !st.LastSync.IsZero() {
			return
		}
	}
	t.Fatalf("the daemon never connected to IMAP: %+v", r.d.IMAPStatus())
}

// waitSent waits (bounded) for n messages at the SMTP server.
func (h *harness) waitSent(n int) []testserver.Captured {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	msgs, err := h.smtp.Wait(ctx, n)
	if err != nil {
		h.t.Fatalf("waiting for %d message(s) at the SMTP server: %v (have %d)", n, err, len(h.smtp.Messages()))
	}
	return msgs
}

// settle gives the daemon a moment in which nothing should happen, then
// returns what the SMTP server holds. It is used only to show that no
// extra mail is sent.
func (h *harness) settle() []testserver.Captured {
	time.Sleep(1500 * time.Millisecond)
	return h.smtp.Messages()
}

func (h *harness) stats(d *Daemon) store.Stats {
	h.t.Helper()
	s, err := d.Store().Stats(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// customerMail is a plain customer email with CRLF line ends.
var customerMail = testserver.CustomerMail

// parsed reads a captured message's headers and body.
func parsed(t *testing.T, c testserver.Captured) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(c.Data)))
	if err != nil {
		t.Fatalf("captured message does not parse: %v\n%s", err, c.Data)
	}
	var body io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("captured body: %v", err)
	}
	return m, strings.ReplaceAll(string(b), "\r\n", "\n")
}

// waitStats waits (bounded) until the store's counts satisfy ok.
func (h *harness) waitStats(d *Daemon, what string, ok func(store.Stats) bool) {
	h.t.Helper()
	var st store.Stats
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		st = h.stats(d)
		if ok(st) {
			return
		}
	}
	h.t.Fatalf("store never showed %s: %+v", what, st)
}

// lockedWriter serialises writes from the daemon's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
