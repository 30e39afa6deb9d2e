// Package demo is `followupd demo`: the whole daemon against an in-process
// IMAP server and an SMTP capture on loopback, with a temporary database
// and delays of seconds instead of days, playing a short day of mail and
// printing a timeline of what arrived, what was decided and what was sent.
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
	"github.com/followupd/followupd/internal/daemon"
	"github.com/followupd/followupd/internal/testserver"
)

// Options tune the demo for tests.
type Options struct {
	// Scale multiplies every pause of the script; 0 means 1.
	Scale float64
	// Timeout bounds the whole demo; 0 means 50s.
	Timeout time.Duration
}

// sequences: one second here stands for one day.
const sequences = `
[[sequence]]
name = "new-contact"
on = "inquiry"
steps = [
  { after = "0s", template = "thank-you" },
  { after = "3s", template = "check-in" },
]
`

// Run plays the demo, writing the timeline to out.
func Run(ctx context.Context, out io.Writer, opts Options) error {
	if opts.Scale == 0 {
		opts.Scale = 1
	}
	if opts.Timeout == 0 {
		opts.Timeout = 50 * time.Second
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

	cfg, err := config.Parse(filepath.Join(dir, "followupd.toml"), []byte(fmt.Sprintf(`
[business]
name = "Acme Bikes"
owner_name = "Pam"
owner_email = "pam@acme-bikes.example"
timezone = "America/Chicago"

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
%s`, imapSrv.Addr(), pass, smtpSrv.Addr(), filepath.Join(dir, "followupd.db"), sequences)))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}

	tl := newTimeline(out)
	fmt.Fprintf(out, "followupd demo: Acme Bikes' inbox on an in-process IMAP server (%s), mail out to an SMTP capture (%s).\n", imapSrv.Addr(), smtpSrv.Addr())
	fmt.Fprintf(out, "Delays are seconds instead of days: the check-in planned for \"3d\" comes after 3s.\n\n")

	// Mail already in the mailbox before the first start is history.
	for _, m := range script[:1] {
		if _, err := imapSrv.Append("INBOX", m.raw()); err != nil {
			return err
		}
		tl.printf("(already in the inbox before followupd's first start) %s", m.summary())
	}

	d, err := daemon.New(ctx, cfg, daemon.Options{Log: slog.New(tl), Grace: 2 * time.Second})
	if err != nil {
		return err
	}
	defer d.Close()
	runCtx, cancelRun := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(runCtx) }()
	printed := make(chan struct{})
	go func() { defer close(printed); printSent(runCtx, tl, smtpSrv) }()
	stop := func() { cancelRun(); <-done; <-printed }
	defer stop()

	for _, m := range script[1:] {
		if !pause(ctx, time.Duration(float64(m.pause)*opts.Scale)) {
			return fmt.Errorf("demo timed out")
		}
		tl.printf("← arrived: %s", m.summary())
		if _, err := imapSrv.Append("INBOX", m.raw()); err != nil {
			return err
		}
	}
	// Wait for what the script should produce.
	want := 4 // two thank-yous, two check-ins
	wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
	defer wcancel()
	if _, err := smtpSrv.Wait(wctx, want); err != nil {
		return fmt.Errorf("demo: %d of %d expected emails were sent: %w", len(smtpSrv.Messages()), want, err)
	}
	pause(ctx, 500*time.Millisecond) // let the last lines print
	stop()
	r, err := daemon.Status(context.Background(), d.Store())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nDone. %d customers, %d messages (%d not answered, %d malformed), %d follow-ups sent, %d still planned.\n",
		r.Customers, r.Messages, r.Skipped, r.Malformed, r.Followups["sent"], r.Followups["pending"])
	fmt.Fprintln(out, "Run it for real: cp config.example.toml followupd.toml, edit it, then `followupd check` and `followupd run`.")
	return nil
}

// printSent prints every email the SMTP capture receives.
func printSent(ctx context.Context, tl *timeline, srv *testserver.SMTP) {
	for n := 1; ; n++ {
		msgs, err := srv.Wait(ctx, n)
		if err != nil {
			return
		}
		c := msgs[n-1]
		m, err := mail.ReadMessage(strings.NewReader(string(c.Data)))
		if err != nil {
			tl.printf("→ sent: (unreadable: %v)", err)
			continue
		}
		body, _ := io.ReadAll(decodeBody(m))
		dec := wordDecoder()
		subj, _ := dec.DecodeHeader(m.Header.Get("Subject"))
		to, _ := dec.DecodeHeader(m.Header.Get("To"))
		tl.printf("→ sent to %s\n  Subject: %s\n  In-Reply-To: %s\n  Auto-Submitted: %s\n\n%s",
			to, subj, m.Header.Get("In-Reply-To"), m.Header.Get("Auto-Submitted"), indent(strings.TrimSpace(strings.ReplaceAll(string(body), "\r\n", "\n"))))
	}
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
