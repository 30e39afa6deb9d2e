package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// The security suite: each attack replayed end to end, the built binary
// against Dovecot, and the genuine owner mail beside it still working.

// ownerMailTo is mail From the owner (owner@example.test) to the shop,
// with the Authentication-Results fields given on top, in order (the
// first is the topmost, the one the shop's server wrote).
func ownerMailTo(id, subject, body string, stamps ...string) []byte {
	var b strings.Builder
	for _, s := range stamps {
		b.WriteString("Authentication-Results: " + s + "\r\n")
	}
	b.WriteString("From: Pam <owner@example.test>\r\nTo: shop@example.test\r\nSubject: " + subject + "\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\nMessage-ID: <" + id + "@example.test>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.ReplaceAll(body, "\n", "\r\n"))
	return []byte(b.String())
}

// The shop's server (mx.example.test) stamps what it receives; a forger
// can only add fields below its stamp.
const (
	stampFail     = "mx.example.test; spf=fail smtp.mailfrom=bounce@spam.example; dmarc=fail (p=reject) header.from=example.test"
	stampPass     = "mx.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
	forgedPass    = "mx.example.test; dkim=pass header.d=example.test; dmarc=pass header.from=example.test"
	victimForward = "Fwd: Cheap pills at http://spam.example/buy #vip"
)

func TestForgedOwnerMailActsOnNothingAndTheOwnersOwnStillWorks(t *testing.T) {
	e := newDovecotEnv(t, "imap-secret")
	dns, err := testserver.StartDNS()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dns.Close() })
	owner, err := testserver.NewDKIMKey("example.test", "s1", true)
	if err != nil {
		t.Fatal(err)
	}
	owner.Publish(dns)
	forger, err := testserver.NewDKIMKey("spam.example", "s1", false)
	if err != nil {
		t.Fatal(err)
	}
	forger.Publish(dns)

	path := e.writeConfig(cfg{business: `min_gap = "0s"`, trust: `dns_resolver = "` + dns.Addr() + `"`,
		tables: "[digest]\ntime = \"\"\n", sequences: complaintSequences})
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
	p.waitConnected()

	// Dana complains: an apology, and an alert to the owner.
	e.deliver(customerMail("Dana Reyes <dana@example.com>", "Broken bell", "dana-1@example.com", "The bell you sold me arrived broken."))
	e.waitSent(2)

	sign := func(k *testserver.DKIMKey, raw []byte) []byte {
		signed, err := k.Sign(raw, "From", "To", "Subject", "Date", "Message-ID")
		if err != nil {
			t.Fatal(err)
		}
		return signed
	}
	victim := "---------- Forwarded message ---------\nFrom: Victim <victim@thirdparty.example>\nDate: Mon, 30 Nov 2026 at 08:00\n" +
		"Subject: Cheap pills at http://spam.example/buy\nTo: Pam <owner@example.test>\n\nYour order was damaged, sorry! Cheap pills at http://spam.example/buy"
	attacks := [][]byte{
		// A forged forward: the server's stamp says dmarc=fail; the
		// forger's dmarc=pass sits below it.
		ownerMailTo("forged-1", victimForward, "#vip\n\n"+victim, stampFail, forgedPass),
		// Forged commands, the same way.
		ownerMailTo("forged-2", "#resolved dana@example.com", "sorted", stampFail, forgedPass),
		ownerMailTo("forged-3", "#stop dana@example.com", "stop", stampFail, forgedPass),
		// The server found nothing to fail (no DMARC policy, no SPF record):
		// a pass the forger wrote lower down does not make it a pass.
		ownerMailTo("forged-4", "#stop dana@example.com", "stop", "mx.example.test; spf=none smtp.mailfrom=example.test; dkim=none; dmarc=none header.from=example.test", forgedPass),
		// Signed, but by the forger's own domain.
		sign(forger, ownerMailTo("forged-5", victimForward, "#vip\n\n"+victim)),
	}
	for _, a := range attacks {
		e.deliver(a)
	}
	// Customer mail the server marked as spam, or whose sender's domain
	// disowns it: no answer, no customer.
	e.deliver([]byte("X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=12.0 required=5.0\r\n" +
		string(customerMail("Prize Desk <winner@lottery.example>", "You won, claim your refund", "spam-1@lottery.example", "Your order is delayed, claim your refund at http://spam.example/"))))
	e.deliver([]byte("Authentication-Results: mx.example.test; spf=fail smtp.mailfrom=bank.example; dmarc=fail header.from=bank.example\r\n" +
		string(customerMail("Marta Ruiz <marta@bank.example>", "Your account is locked", "phish-1@bank.example", "My payment failed twice, please call me."))))
	// The owner's own: a forward the server verified, and a #resolved that
	// only its DKIM signature verifies.
	e.deliver(ownerMailTo("genuine-1", "Fwd: Group rental?", "treat them well\n\n---------- Forwarded message ---------\n"+
		"From: Gil Moreau <gil@example.org>\nDate: Mon, 30 Nov 2026 at 09:12\nSubject: Group rental?\nTo: Pam <owner@example.test>\n\n"+
		"Could we rent 12 bikes for our club ride on Saturday?", stampPass))
	e.deliver(sign(owner, ownerMailTo("genuine-2", "#resolved dana@example.com", "called her, all sorted")))
	// Gil's thank-you is the sign that everything before it was decided.
	e.waitSent(3)
	eventually(t, "Dana's case resolved by the signed #resolved", func() bool {
		var st statusOut
		cliJSON(t, &st, "status", "-json", "-config", path)
		return st.OpenCases == 0
	})

	for _, c := range e.smtp.Messages() {
		for _, to := range c.To {
			if to != "dana@example.com" && to != "owner@example.test" && to != "gil@example.org" && to != "ivy@example.net" {
				t.Errorf("mail went to %s:\n%s", to, c.Data)
			}
		}
	}
	if len(e.sentTo("gil@example.org")) != 1 {
		t.Errorf("the verified forward was not answered:\n%s", summary(e.smtp.Messages()))
	}
	for _, who := range []string{"victim@thirdparty.example", "winner@lottery.example", "marta@bank.example"} {
		if _, errs, code := cli(t, "customer", "-config", path, who); code == 0 {
			t.Errorf("%s became a customer (%s)", who, errs)
		}
	}
	digest := cliOK(t, "digest", "-config", path)
	for _, want := range []string{"marked as spam", "You won, claim your refund", "Your account is locked", "dmarc=fail",
		"could not verify as yours", "followupd approve"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest does not say %q:\n%s", want, digest)
		}
	}
	dana := customerOf(t, path, "dana@example.com")
	if dana.OptedOut {
		t.Error("a forged #stop opted Dana out")
	}
	var q []queueEntry
	cliJSON(t, &q, "queue", "-json", "-config", path)
	if r, ok := pendingFor(q, "dana@example.com", "satisfaction-check"); !ok || r.State != "pending" {
		t.Errorf("the genuine #resolved planned no satisfaction check: %+v", q)
	}

	// Every forged mail waits for the owner, with its reason.
	var review []struct {
		ID   int64  `json:"id"`
		Kind string `json:"kind"`
		Why  string `json:"why"`
	}
	cliJSON(t, &review, "review", "-json", "-config", path)
	if len(review) != len(attacks) {
		t.Fatalf("review lists %d, want the %d forged mails: %+v", len(review), len(attacks), review)
	}
	for _, r := range review {
		if r.Kind != "unverified-owner" || !strings.Contains(r.Why, "unverified owner mail") {
			t.Errorf("review entry %+v", r)
		}
	}
	var st struct {
		Unverified int `json:"unverified_owner_mail"`
	}
	cliJSON(t, &st, "status", "-json", "-config", path)
	if st.Unverified != len(attacks) {
		t.Errorf("status counts %d unverified owner mails, want %d", st.Unverified, len(attacks))
	}

	// The owner's own mail that could not be verified (sent from the
	// phone, through a server that does not sign): approved, it acts.
	e.deliver(ownerMailTo("unsigned-1", "Fwd: Saddle question", "from the market stall\n\n---------- Forwarded message ---------\n"+
		"From: Ivy Chen <ivy@example.net>\nDate: Tue, 1 Dec 2026 at 10:02\nSubject: Saddle question\nTo: Pam <owner@example.test>\n\n"+
		"Do you have a women's saddle for a touring bike?", "mx.example.test; spf=softfail smtp.mailfrom=example.test; dkim=none; dmarc=none header.from=example.test"))
	var id int64
	eventually(t, "the unsigned forward listed for review", func() bool {
		cliJSON(t, &review, "review", "-json", "-config", path)
		for _, r := range review {
			if strings.Contains(r.Why, "forward") && r.ID > id {
				id = r.ID
			}
		}
		return len(review) == len(attacks)+1
	})
	if out := cliOK(t, "approve", "-config", path, strconv.FormatInt(id, 10)); !strings.Contains(out, "ivy@example.net") {
		t.Errorf("approve says:\n%s", out)
	}
	e.waitSent(4)
	if len(e.sentTo("ivy@example.net")) != 1 {
		t.Errorf("the approved forward was not answered:\n%s", summary(e.smtp.Messages()))
	}
	if _, errs, code := cli(t, "approve", "-config", path, strconv.FormatInt(id, 10)); code == 0 || !strings.Contains(errs, "approved already") {
		t.Errorf("approving twice: exit %d, %s", code, errs)
	}
	if _, errs, code := cli(t, "approve", "-config", path, "1"); code == 0 || !strings.Contains(errs, "not unverified owner mail") {
		t.Errorf("approving Dana's complaint: exit %d, %s", code, errs)
	}
	cliJSON(t, &review, "review", "-json", "-config", path)
	if len(review) != len(attacks) {
		t.Errorf("after the approval review lists %d, want %d", len(review), len(attacks))
	}
	p.signal(15)
	p.wait(30 * time.Second)
}

func customerOf(t *testing.T, path, email string) customerOut {
	t.Helper()
	var c customerOut
	out := cliOK(t, "customer", "-json", "-config", path, email)
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAFloodOfNewSendersGetsThirtyAnswersAndTheOwnerTenAlerts: with the
// default limits, 200 first contacts and 60 complaints from 260 addresses
// the shop never wrote to, in a minute, make at most 30 replies and at
// most 10 alerts (the surge alert, the 11th, follows ten minutes later);
// everything else is held or rolled up, listed for the owner, and what
// the owner approves goes.
func TestAFloodOfNewSendersGetsThirtyAnswersAndTheOwnerTenAlerts(t *testing.T) {
	e := newDovecotEnv(t, "imap-secret")
	path := e.writeConfig(cfg{business: `min_gap = "0s"`, tables: "[digest]\ntime = \"\"\n", sequences: complaintSequences})
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
	p.waitConnected()
	for i := range 200 {
		e.deliver(customerMail(fmt.Sprintf("Ann %d <ann%d@flood.example>", i, i), "Do you sell bells?", fmt.Sprintf("ann%d@flood.example", i), "Do you sell bells?"))
	}
	for i := range 60 {
		e.deliver(customerMail(fmt.Sprintf("Bo %d <bo%d@flood.example>", i, i), "Broken order", fmt.Sprintf("bo%d@flood.example", i),
			"My order arrived broken and nobody answers. I want a refund."))
	}
	// The positive sign: every first follow-up of the 260 contacts (a
	// reply each, and an alert for each complaint) was decided: sent,
	// held or rolled up.
	var st struct {
		Followups map[string]int `json:"followups"`
	}
	eventually(t, "all 260 contacts decided", func() bool {
		cliJSON(t, &st, "status", "-json", "-config", path)
		f := st.Followups
		return f["held"]+f["sent"]+f["skipped"] == 260+60
	})
	toCustomers, toOwner := 0, 0
	for _, c := range e.smtp.Messages() {
		if c.To[0] == "owner@example.test" {
			toOwner++
		} else {
			toCustomers++
		}
	}
	if toCustomers > 30 || toOwner > 10 || st.Followups["held"] != 260-toCustomers {
		t.Errorf("%d replies (at most 30), %d owner alerts (at most 10 now, and the surge alert later), %d held", toCustomers, toOwner, st.Followups["held"])
	}
	var q []queueEntry
	cliJSON(t, &q, "queue", "-json", "-config", path)
	surge := 0
	for _, f := range q {
		if f.Template == "owner-surge" && f.Recipient == "owner" {
			surge++
		}
	}
	if surge != 1 {
		t.Errorf("%d surge alerts planned, want 1: %+v", surge, q)
	}
	var review []struct {
		Kind    string `json:"kind"`
		From    string `json:"from"`
		Approve string `json:"approve"`
	}
	cliJSON(t, &review, "review", "-json", "-config", path)
	if len(review) != st.Followups["held"] {
		t.Fatalf("review lists %d, want the %d held", len(review), st.Followups["held"])
	}
	first := review[0]
	out := cliOK(t, "approve", "-config", path, first.Approve)
	if !strings.Contains(out, "released") {
		t.Errorf("approve %s: %s", first.Approve, out)
	}
	eventually(t, "the released reply sent", func() bool { return len(e.sentTo(first.From)) == 1 })
	p.signal(15)
	p.wait(30 * time.Second)
}

// TestAPasswordWithoutQuotesIsNeverPrinted: `password = TOPSECRET1`
// (quotes forgotten) is reported by check, at start-up and on reload
// with its file, line and key, and without the value.
func TestAPasswordWithoutQuotesIsNeverPrinted(t *testing.T) {
	e := newMailEnv(t, "")
	good := e.writeConfig(cfg{tables: noDigest, sequences: thankYouOnly})
	src, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), `password_env = "FOLLOWUPD_TEST_IMAP_PASSWORD"`, `password = TOPSECRET1`, 1)
	if broken == string(src) {
		t.Fatal("the test config has no password_env line to break")
	}
	badPath := e.writeFile("broken.toml", broken)
	for _, args := range [][]string{{"check", "-config", badPath}, {"run", "-config", badPath}} {
		out, errs, code := cli(t, args...)
		if code == 0 || strings.Contains(out+errs, "TOPSECRET") || !strings.Contains(errs, "imap.password") {
			t.Errorf("followupd %s: exit %d, output:\n%s%s", args[0], code, out, errs)
		}
	}
	// On reload, the running daemon refuses it and logs no secret either.
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", good)
	p.waitConnected()
	off := len(p.stderr.String())
	if err := os.WriteFile(good, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	p.signal(syscall.SIGHUP)
	p.stderr.waitLine(t, off, "reload refused", "imap.password")
	p.signal(syscall.SIGTERM)
	p.wait(30 * time.Second)
	if strings.Contains(p.stderr.String(), "TOPSECRET") {
		t.Errorf("the log shows the password:\n%s", p.stderr)
	}
}

// TestAForgedReplyCopiedToAHundredThousandMakesNoCustomer: one forged
// 2 MB "reply" from the owner with 100,000 addresses in Cc creates no
// customer; the owner's own such reply would be refused as well.
func TestAForgedReplyCopiedToAHundredThousandMakesNoCustomer(t *testing.T) {
	e := newDovecotEnv(t, "imap-secret")
	path := e.writeConfig(cfg{tables: noDigest, sequences: thankYouOnly})
	p := startProc(t, []string{"FOLLOWUPD_TEST_IMAP_PASSWORD=" + e.pass}, "run", "-config", path)
	p.waitConnected()
	var cc strings.Builder
	for i := range 100000 {
		if i > 0 {
			cc.WriteString(",\r\n ")
		}
		fmt.Fprintf(&cc, "c%d@victims.example", i)
	}
	for i, stamp := range []string{stampFail, stampPass} {
		raw := ownerMailTo(fmt.Sprintf("flood-%d", i), "Re: our offer", "See you soon.", stamp)
		raw = []byte(strings.Replace(string(raw), "To: shop@example.test\r\n", "To: first@victims.example\r\nCc: "+cc.String()+"\r\n", 1))
		e.deliver(raw)
	}
	e.deliver(customerMail("Gil Moreau <gil@example.org>", "Opening hours?", "gil-1@example.org", "When are you open?"))
	e.waitSent(1) // Gil's thank-you: both replies were decided before it
	var st statusOut
	cliJSON(t, &st, "status", "-json", "-config", path)
	if st.Customers != 1 {
		t.Errorf("%d customers, want Gil alone", st.Customers)
	}
	p.signal(syscall.SIGTERM)
	p.wait(30 * time.Second)
}
