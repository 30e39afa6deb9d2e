package daemon

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/clock"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// TestOnlyTheRightCustomersGetFollowUps walks the intake issue's mix
// through Dovecot: an owner forward with a tag, a Bcc'd owner reply, an
// auto-reply and a bounce.
func TestOnlyTheRightCustomersGetFollowUps(t *testing.T) {
	h := flowHarness(t, true)
	r := h.start()
	r.waitConnected(t)

	h.append(stamped(crlf(`From: Pam <owner@example.test>
To: shop@example.test
Subject: Fwd: My bell arrived broken #complaint
Message-ID: <fwd1@example.test>
Content-Type: text/plain; charset=utf-8

Please handle this one.

---------- Forwarded message ---------
From: Ines Duarte <ines@example.pt>
Date: Mon, 2 Mar 2026 at 09:12
Subject: My bell arrived broken
To: Pam <owner@example.test>

Olá, the bell arrived in pieces.
Ines
`)))
	h.append(stamped(crlf(`From: Pam <owner@example.test>
To: Jon <jon@example.com>
Bcc: shop@example.test
Subject: Re: Opening hours
Message-ID: <bcc1@example.test>
Content-Type: text/plain; charset=utf-8

Jon, we open at 9 on Saturdays.
`)))
	h.append(crlf(`From: Kim <kim@example.com>
To: shop@example.test
Subject: Automatic reply: Re: Your quote
Auto-Submitted: auto-replied
Message-ID: <ooo1@example.com>
Content-Type: text/plain; charset=utf-8

I am out of the office until Monday.
`))
	h.append(customerMail("Mia <mia@example.com>", "Do you rent tandems?", "mia1@example.com", "Do you rent tandems?"))
	h.append(customerMail("Lou <lou@example.org>", "Saddles?", "lou1@example.org", "Do you sell saddles?"))

	h.waitFor("ines@example.pt", "[apology]")
	h.waitFor("owner@example.test", "[owner-alert]")
	h.waitFor("mia@example.com", "[thank-you]")
	thanks, _ := parsed(t, h.waitFor("lou@example.org", "[thank-you]"))
	// Lou's address is dead: the report returns the thank-you's headers.
	h.append(crlf(`From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: shop@example.test
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@mx.example.net>
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

This is the mail system. Your message could not be delivered.
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; lou@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown
--b1
Content-Type: text/rfc822-headers

From: Pam at Acme Bikes <shop@example.test>
To: Lou <lou@example.org>
Subject: Re: Saddles?
Message-ID: ` + thanks.Header.Get("Message-Id") + `
--b1--
`))
	// A stranger's plain mail claims Mia's address fails: anyone can
	// write X-Failed-Recipients, so nothing changes.
	h.append(crlf(`From: Prankster <prank@example.net>
To: shop@example.test
Subject: Undeliverable: Do you rent tandems?
X-Failed-Recipients: mia@example.com
Message-ID: <prank1@example.net>
Content-Type: text/plain; charset=utf-8

Delivery to the following recipient failed permanently: mia@example.com
`))
	h.waitStats(r.d, "all seven recorded", func(st store.Stats) bool { return st.Messages == 7 })
	h.settle()
	for _, c := range h.smtp.Messages() {
		switch c.To[0] {
		case "ines@example.pt", "mia@example.com", "owner@example.test", "lou@example.org":
		default:
			t.Errorf("mail went to %s", c.To[0])
		}
	}
	ctx := context.Background()
	if c, err := r.d.Store().Customer(ctx, "jon@example.com"); err != nil || c.LastOwner.IsZero() {
		t.Errorf("the Bcc'd reply was not recorded as the owner answering Jon: %+v %v", c, err)
	}
	if c, err := r.d.Store().Customer(ctx, "lou@example.org"); err != nil || c.Bouncing.IsZero() {
		t.Errorf("the bounce did not mark lou as bouncing: %+v %v", c, err)
	}
	if c, err := r.d.Store().Customer(ctx, "mia@example.com"); err != nil || !c.Bouncing.IsZero() {
		t.Errorf("a stranger's X-Failed-Recipients marked Mia as bouncing: %+v %v", c, err)
	}
	if _, err := r.d.Store().Customer(ctx, "owner@example.test"); err == nil {
		t.Error("the owner became a customer")
	}
	if _, err := r.d.Store().Customer(ctx, "kim@example.com"); err == nil {
		t.Error("an auto-reply made its sender a customer")
	}
}

func TestOwnerCommandAndForwardTagsAct(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Dana <dana@example.com>", "Broken lock", "d1@example.com", "The lock is broken, unacceptable."))
	h.waitFor("owner@example.test", "[owner-alert]")
	// "#resolved dana@example.com": a command, not a forward.
	h.append(stamped(crlf(`From: Pam <owner@example.test>
To: shop@example.test
Subject: done
Message-ID: <cmd1@example.test>
Content-Type: text/plain

#resolved dana@example.com
`)))
	h.waitFor("dana@example.com", "[satisfaction-check]")
	// A forward tagged #stop opts the customer out for good.
	h.append(stamped(crlf(`From: Pam <owner@example.test>
To: shop@example.test
Subject: Fwd: Price list? #stop
Message-ID: <fwd2@example.test>
Content-Type: text/plain

-----Original Message-----
From: Otto Berg <otto@example.se>
Sent: Monday, March 2, 2026 9:12 AM
To: Pam <owner@example.test>
Subject: Price list?

Can you send me your price list?
`)))
	h.waitStats(r.d, "the forward", func(st store.Stats) bool { return st.Messages == 3 })
	h.settle()
	if n := h.sentTo("otto@example.se"); n != 0 {
		t.Errorf("otto got %d emails after #stop", n)
	}
	c, err := r.d.Store().Customer(context.Background(), "otto@example.se")
	if err != nil || c.OptedOut.IsZero() {
		t.Errorf("#stop did not opt otto out: %+v %v", c, err)
	}
}

func TestMalformedAndOversizedMailIsRecordedAndLeftAlone(t *testing.T) {
	h := newHarness(t, false)
	h.cfg.IMAP.MaxMessageSize = 20000
	r := h.start()
	r.waitConnected(t)
	h.append([]byte("this is not an email at all, no header\r\n\r\n"))
	big := customerMail("Big <big@example.com>", "Photos?", "big1@example.com", strings.Repeat("x", 50000))
	h.append(big)
	h.append(crlf(`From: Broken <broken@example.com>
Subject: =?x-unknown?q?hello?=
Content-Type: multipart/mixed; boundary="never"

no boundary ever appears
`))
	h.append(customerMail("Ok <ok@example.com>", "Question?", "ok1@example.com", "Still answered?"))
	h.waitFor("ok@example.com", "Hi Ok")
	h.waitStats(r.d, "all four recorded", func(st store.Stats) bool { return st.Messages == 4 })
	st := h.stats(r.d)
	if st.Malformed != 2 {
		t.Errorf("malformed = %d, want 2 (no header, too large)", st.Malformed)
	}
	if r.d.IMAPStatus().LastSync.IsZero() {
		t.Error("the watcher stopped syncing")
	}
}

func TestQuietCustomerGetsStayInTouch(t *testing.T) {
	h := flowHarness(t, false)
	fake := clock.NewFake(time.Date(2026, 3, 2, 16, 0, 0, 0, time.UTC))
	h.clock = fake
	h.cfg = h.config(`
[[sequence]]
name = "keep-in-touch"
on = "quiet"
quiet_after = "8w"
steps = [ { after = "0s", template = "stay-in-touch" } ]
`)
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Ana <ana@example.com>", "Thanks!", "a1@example.com", "Great ride."))
	h.waitStats(r.d, "Ana known", func(st store.Stats) bool { return st.Customers == 1 })
	fake.Advance(8*7*24*time.Hour - time.Hour)
	time.Sleep(200 * time.Millisecond)
	if n := len(h.smtp.Messages()); n != 0 {
		t.Fatalf("%d sent before 8 weeks of silence", n)
	}
	advanceUntil(t, fake, 11*time.Minute, func() bool { return len(h.smtp.Messages()) > 0 })
	h.waitFor("ana@example.com", "[stay-in-touch]")
	fake.Advance(24 * time.Hour)
	time.Sleep(200 * time.Millisecond)
	if n := len(h.smtp.Messages()); n != 1 {
		t.Errorf("%d stay-in-touch emails for one silence, want 1", n)
	}
}

func TestDigestGoesOnceADayAndOnlyWithNews(t *testing.T) {
	h := flowHarness(t, false)
	chicago, _ := time.LoadLocation("America/Chicago")
	fake := clock.NewFake(time.Date(2026, 3, 2, 17, 0, 0, 0, chicago))
	h.clock = fake
	h.extraConfig += "[digest]\ntime = \"18:00\"\n"
	h.cfg = h.config(complaintSequences)
	// The flow harness's templates have no digest: use the shipped one.
	os.Remove(filepath.Join(h.dir, "templates", "digest.txt"))
	r := h.start()
	r.waitConnected(t)
	h.append(customerMail("Dana <dana@example.com>", "Broken lock", "d1@example.com", "The lock is broken, unacceptable."))
	h.waitFor("owner@example.test", "[owner-alert]")
	digests := func() int {
		n := 0
		for _, c := range h.smtp.Messages() {
			if m, _ := parsed(t, c); strings.HasPrefix(m.Header.Get("Subject"), "Acme Bikes today") {
				n++
			}
		}
		return n
	}
	time.Sleep(200 * time.Millisecond)
	if n := digests(); n != 0 {
		t.Fatalf("a digest before 18:00")
	}
	fake.Set(time.Date(2026, 3, 2, 18, 0, 30, 0, chicago))
	advanceUntil(t, fake, time.Second, func() bool { return digests() == 1 })
	dg := h.waitFor("owner@example.test", "Open complaints")
	if _, body := parsed(t, dg); !strings.Contains(body, "Dana") {
		t.Errorf("digest does not name the open complaint:\n%s", body)
	}
	fake.Set(time.Date(2026, 3, 2, 22, 0, 0, 0, chicago))
	time.Sleep(300 * time.Millisecond)
	if n := digests(); n != 1 {
		t.Errorf("%d digests on one day, want 1", n)
	}
}

func TestReloadTakesGoodTemplatesAndRefusesBadOnes(t *testing.T) {
	h := flowHarness(t, false)
	r := h.start()
	r.waitConnected(t)
	dir := filepath.Join(h.dir, "templates")
	os.WriteFile(filepath.Join(dir, "thank-you.txt"), []byte("Subject: hi\n\n[thank-you] VERSION TWO\n"), 0o644)
	cfg, err := config.Load(h.cfg.File)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Reload(cfg); err != nil {
		t.Fatalf("good reload: %v", err)
	}
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
	h.waitFor("ana@example.com", "VERSION TWO")

	os.WriteFile(filepath.Join(dir, "thank-you.txt"), []byte("Subject: hi\n\n{{.Customer.Nickname}}\n"), 0o644)
	cfg, _ = config.Load(h.cfg.File)
	_, err = r.d.Reload(cfg)
	if err == nil || !strings.Contains(err.Error(), "thank-you.txt") {
		t.Fatalf("bad reload: err = %v, want it to name the file", err)
	}
	h.append(customerMail("Bea <bea@example.com>", "Question?", "b1@example.com", "Hello?"))
	h.waitFor("bea@example.com", "VERSION TWO")
}

func TestHealthzFlipsWhenIMAPGoesAway(t *testing.T) {
	h := newHarness(t, false)
	h.extraConfig = "[admin]\nlisten = \"127.0.0.1:0\"\n"
	h.cfg = h.config(testSequences)
	h.cfg.IMAP.IdleRefresh.Duration = time.Second
	h.cfg.IMAP.Timeout.Duration = time.Second
	r := h.start()
	r.waitConnected(t)
	url := "http://" + r.d.AdminAddr()
	get := func(path string) (int, string) {
		resp, err := http.Get(url + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	if code, body := get("/healthz"); code != 200 {
		t.Fatalf("healthz = %d %s while connected", code, body)
	}
	h.append(customerMail("Ana <ana@example.com>", "Question?", "a1@example.com", "Hello?"))
	h.waitStats(r.d, "sent", func(st store.Stats) bool { return st.Followups[core.Sent] == 1 })
	if _, body := get("/metrics"); !strings.Contains(body, "followupd_followups_sent_total") || !strings.Contains(body, "followupd_messages_ingested_total") {
		t.Errorf("metrics lack the followupd families:\n%.2000s", body)
	}
	h.imap.(*testserver.IMAP).Stop()
	var code int
	var body string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if code, body = get("/healthz"); code == 503 {
			break
		}
	}
	if code != 503 {
		t.Fatalf("healthz = %d after the IMAP server went away", code)
	}
	var v struct {
		Status  string   `json:"status"`
		Reasons []string `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Status == "ok" || len(v.Reasons) == 0 {
		t.Errorf("503 body does not say why: %s (%v)", body, err)
	}
}

func TestNoDigestOnADayWithNothingToSay(t *testing.T) {
	h := newHarness(t, false)
	chicago, _ := time.LoadLocation("America/Chicago")
	fake := clock.NewFake(time.Date(2026, 3, 2, 17, 59, 0, 0, chicago))
	h.clock = fake
	h.extraConfig = "[digest]\ntime = \"18:00\"\n"
	h.cfg = h.config(testSequences)
	r := h.start()
	r.waitConnected(t)
	fake.Set(time.Date(2026, 3, 2, 18, 0, 30, 0, chicago))
	h.waitMeta(r.d, "digest_date", "2026-03-02")
	if n := len(h.smtp.Messages()); n != 0 {
		t.Errorf("%d emails on a day with nothing to say", n)
	}
}

// waitMeta waits (bounded) for a meta value, moving a fake clock on.
func (h *harness) waitMeta(d *Daemon, key, want string) {
	h.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if v, _ := d.Store().Meta(context.Background(), key); v == want {
			return
		}
		if f, ok := d.clock.(*clock.Fake); ok {
			f.Advance(time.Second)
		}
	}
	h.t.Fatalf("meta %s never became %q", key, want)
}
