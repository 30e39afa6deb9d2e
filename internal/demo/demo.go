// Package demo is `followupd demo`: the whole daemon against an in-process
// IMAP server and an SMTP capture on loopback, with a temporary database
// and delays of seconds instead of days, playing a day of mail and printing
// a timeline of what arrived, what was decided and why, and what was sent.
// It needs no config, no servers and no network, and ends by itself.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
	"github.com/followupd/followupd/internal/testserver"
)

// Options tune the demo.
type Options struct {
	// Timeout bounds the whole demo; 0 means 55s.
	Timeout time.Duration
}

// The demo's sequences: one second here stands for one day.
const sequences = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "6s", template = "check-in", when = ["no-reply"] },
]

[[sequence]]
name = "after-purchase"
on = "purchase"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3s", template = "feedback-request" },
]

[[sequence]]
name = "complaint"
on = "complaint"
steps = [
  { after = "0s", template = "apology" },
  { after = "0s", template = "owner-alert", to = "owner" },
  { after = "3s", template = "owner-reminder", to = "owner", when = ["owner-silent", "case-open"] },
]

[[sequence]]
name = "after-resolution"
on = "resolved"
steps = [ { after = "2s", template = "satisfaction-check" } ]
`

// demo is one run.
type demo struct {
	key  *testserver.DKIMKey // the owner's domain's DKIM key, served by the demo's DNS
	ctx  context.Context
	out  io.Writer
	tl   *timeline
	imap *testserver.IMAP
	smtp *testserver.SMTP
	d    *daemon.Daemon
	cfg  *config.Config
}

// Run plays the demo, writing the timeline to out.
func Run(ctx context.Context, out io.Writer, opts Options) error {
	if opts.Timeout == 0 {
		opts.Timeout = 55 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	dir, err := os.MkdirTemp("", "followupd-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	pass := randomHex(8)
	imapSrv, err := testserver.StartIMAP("shop@example.test", pass)
	if err != nil {
		return fmt.Errorf("demo imap server: %w", err)
	}
	defer imapSrv.Close()
	smtpSrv, err := testserver.StartSMTP()
	if err != nil {
		return fmt.Errorf("demo smtp server: %w", err)
	}
	defer smtpSrv.Close()
	// The owner's mail is verified by its DKIM signature: the demo serves
	// the key of Pam's domain from its own DNS server.
	dns, err := testserver.StartDNS()
	if err != nil {
		return fmt.Errorf("demo dns server: %w", err)
	}
	defer dns.Close()
	key, err := testserver.NewDKIMKey("acme-bikes.example", "demo", false)
	if err != nil {
		return err
	}
	key.Publish(dns)
	cfg, err := config.Parse(filepath.Join(dir, "followupd.toml"), []byte(fmt.Sprintf(`
[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "pam@acme-bikes.example"
timezone = "America/Chicago"
min_gap = "1s"

[imap]
address = %q
security = "none"
username = "shop@example.test"
password = %q

[smtp]
address = %q
security = "none"
from = "Pam at Acme Bikes <shop@example.test>"

[store]
path = %q

[trust]
dns_resolver = %q
%s`, imapSrv.Addr(), pass, smtpSrv.Addr(), filepath.Join(dir, "followupd.db"), dns.Addr(), sequences)))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	dm := &demo{key: key, ctx: ctx, out: out, tl: newTimeline(out), imap: imapSrv, smtp: smtpSrv, cfg: cfg}
	fmt.Fprintf(out, "followupd demo: Acme Bikes' inbox on an in-process IMAP server (%s), mail out to an SMTP capture (%s).\n", imapSrv.Addr(), smtpSrv.Addr())
	fmt.Fprintf(out, "One second here stands for one day. The owner is Pam <pam@acme-bikes.example>.\n\n")
	return dm.play(dir)
}

func (dm *demo) play(dir string) error {
	// Mail already in the mailbox before the first start is history.
	if _, err := dm.imap.Append("INBOX", carlaOld.raw()); err != nil {
		return err
	}
	dm.tl.printf("(in the inbox before followupd's first start) %s", carlaOld.summary())

	d, err := daemon.New(dm.ctx, dm.cfg, daemon.Options{Log: slog.New(dm.tl), Grace: 2 * time.Second})
	if err != nil {
		return err
	}
	defer d.Close()
	dm.d = d
	runCtx, cancelRun := context.WithCancel(dm.ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(runCtx) }()
	printed := make(chan struct{})
	go func() { defer close(printed); printSent(runCtx, dm.tl, dm.smtp) }()
	stop := func() { cancelRun(); <-done; <-printed }
	defer stop()

	for _, l := range []letter{anaAsks, bobAway, carlaBuys, danaComplains, pamForwards, forgedPam, anaStops} {
		if err := dm.arrive(l, 700*time.Millisecond); err != nil {
			return err
		}
	}
	// Carla answers the feedback request in its thread.
	fb, err := dm.await("the feedback request to Carla", func(c sent) bool { return c.to == "carla@example.net" && c.n == 2 })
	if err != nil {
		return err
	}
	if err := dm.arrive(feedbackReply(fb.msgID), 300*time.Millisecond); err != nil {
		return err
	}
	// Nobody answered Dana: Pam is reminded, then resolves the case.
	if _, err := dm.await("the reminder to Pam", func(c sent) bool { return c.to == "pam@acme-bikes.example" && c.n == 2 }); err != nil {
		return err
	}
	pause(dm.ctx, 500*time.Millisecond)
	dm.tl.printf("$ followupd resolve dana@example.com   (Pam has refunded the fee)")
	if _, _, err := daemon.Resolve(dm.ctx, d.Store(), dm.cfg, "dana@example.com", time.Now()); err != nil {
		return err
	}
	if _, err := dm.await("the satisfaction check to Dana", func(c sent) bool { return c.to == "dana@example.com" && c.n == 2 }); err != nil {
		return err
	}
	if _, err := dm.await("the check-in to Gil", func(c sent) bool { return c.to == "gil@club-velo.example" && c.n == 2 }); err != nil {
		return err
	}
	pause(dm.ctx, 300*time.Millisecond) // let the last lines print
	stop()
	r, err := daemon.Status(context.Background(), d.Store())
	if err != nil {
		return err
	}
	fmt.Fprintf(dm.out, "\nDone. %d customers, %d messages (%d not answered), %d follow-ups sent, %d cancelled, %d open complaint(s).\n",
		r.Customers, r.Messages, r.Skipped, r.Followups[core.Sent], r.Followups[core.Cancelled], r.OpenCases)
	fmt.Fprintln(dm.out, "Ana opted out, so her check-in was never sent; Bob's out-of-office reply was not answered.")
	fmt.Fprintf(dm.out, "The forged #stop did nothing: it waits for Pam in `followupd review` (%d unverified owner mail).\n", r.Unverified)
	fmt.Fprintln(dm.out, "Run it for real: cp config.example.toml followupd.toml, edit it, then `followupd check` and `followupd run`.")
	return nil
}

// arrive pauses, then delivers a letter to the inbox.
func (dm *demo) arrive(l letter, before time.Duration) error {
	if !pause(dm.ctx, before) {
		return fmt.Errorf("demo timed out")
	}
	dm.tl.printf("← arrived: %s\n  (%s)", l.summary(), l.note)
	raw := l.raw()
	if l.signed {
		var err error
		if raw, err = dm.key.Sign(raw, "From", "To", "Subject", "Date", "Message-ID"); err != nil {
			return err
		}
	}
	_, err := dm.imap.Append("INBOX", raw)
	return err
}

// sent is one captured email, numbered per recipient.
type sent struct {
	to    string
	n     int // 1 for the first email to this recipient
	msgID string
}

// await waits until an email matching ok has been sent.
func (dm *demo) await(what string, ok func(sent) bool) (sent, error) {
	for {
		per := map[string]int{}
		for _, c := range dm.smtp.Messages() {
			m, err := mail.ReadMessage(strings.NewReader(string(c.Data)))
			if err != nil {
				continue
			}
			per[c.To[0]]++
			s := sent{to: c.To[0], n: per[c.To[0]], msgID: m.Header.Get("Message-Id")}
			if ok(s) {
				return s, nil
			}
		}
		if !pause(dm.ctx, 100*time.Millisecond) {
			return sent{}, fmt.Errorf("demo: gave up waiting for %s", what)
		}
	}
}

// printSent prints every email the SMTP capture receives.
func printSent(ctx context.Context, tl *timeline, srv *testserver.SMTP) {
	for n := 1; ; n++ {
		msgs, err := srv.Wait(ctx, n)
		if err != nil {
			return
		}
		m, err := mail.ReadMessage(strings.NewReader(string(msgs[n-1].Data)))
		if err != nil {
			tl.printf("→ sent: (unreadable: %v)", err)
			continue
		}
		body, _ := io.ReadAll(decodeBody(m))
		dec := wordDecoder()
		subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		to, _ := dec.DecodeHeader(m.Header.Get("To"))
		head := fmt.Sprintf("→ sent to %s\n  Subject: %s", to, subj)
		if v := m.Header.Get("In-Reply-To"); v != "" {
			head += "\n  In-Reply-To: " + v
		}
		if v := m.Header.Get("List-Unsubscribe"); v != "" {
			head += "\n  List-Unsubscribe: " + shorten(v, 70)
		}
		tl.printf("%s\n\n%s", head, indent(strings.TrimSpace(strings.ReplaceAll(string(body), "\r\n", "\n"))))
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func indent(s string) string {
	return "  | " + strings.ReplaceAll(s, "\n", "\n  | ")
}

func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
