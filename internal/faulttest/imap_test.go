package faulttest

import (
	"testing"
	"time"
)

// Bounds for "within seconds" and "within a minute". They are functional
// limits, generous for a loaded CI machine, not measurements.
const (
	withinSeconds = 30 * time.Second
	withinMinute  = 60 * time.Second
)

// Mail that arrives while the IMAP server is down (delivered into its
// maildir), and mail appended the moment it is back (before the daemon has
// reconnected), is ingested and answered once after the restart.
func TestMailAroundAnIMAPRestartIsAnsweredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	p := e.start()
	e.waitConnected(p)

	before := e.newInquiry(1)
	e.appendIMAP(before)
	e.waitAnswered(withinSeconds, []inquiry{before})

	qs := []inquiry{before}
	for round := range 2 {
		lost := e.countLog("imap connection lost")
		if err := e.dovecot.Stop(); err != nil {
			t.Fatalf("stop dovecot: %v", err)
		}
		down := []inquiry{e.newInquiry(10 + round), e.newInquiry(20 + round)}
		for _, q := range down {
			e.deliverMaildir(q)
		}
		if err := e.dovecot.Restart(); err != nil {
			t.Fatalf("restart dovecot: %v\n%s", err, e.dovecot.LogTail())
		}
		back := []inquiry{e.newInquiry(30 + round), e.newInquiry(40 + round)}
		for _, q := range back {
			e.appendIMAP(q)
		}
		qs = append(append(qs, down...), back...)
		e.waitAnswered(withinSeconds, qs)
		if e.countLog("imap connection lost") <= lost {
			t.Errorf("round %d: the daemon did not log that it lost the IMAP connection", round)
		}
	}
	if err := p.stop(20 * time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	e.checkAnsweredOnce(qs)
}

// A frozen IMAP server (SIGSTOP: connections stay open, nothing answers)
// is noticed by the watchdog, the daemon reconnects once the server
// resumes, and mail appended then is answered.
func TestFrozenIMAPServerIsNoticedAndMailAfterThawAnswered(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	p := e.start()
	e.waitConnected(p)
	first := e.newInquiry(1)
	e.appendIMAP(first)
	e.waitAnswered(withinSeconds, []inquiry{first})

	connected := e.countLog("imap connected")
	if err := e.dovecot.Freeze(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.dovecot.Thaw() }) // if the test stops while frozen
	// With idle_refresh 5s and timeout 3s the watchdog fires after about
	// 8 s; the requirement is "within a minute".
	e.waitLog(withinMinute, "imap watchdog", 1)
	e.waitLog(withinMinute, "imap connection lost", 1)
	if err := e.dovecot.Thaw(); err != nil {
		t.Fatal(err)
	}
	e.waitLog(withinMinute, "imap connected", connected+1)

	after := e.newInquiry(2)
	e.appendIMAP(after)
	e.waitAnswered(withinSeconds, []inquiry{first, after})
	if err := p.stop(20 * time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	e.checkAnsweredOnce([]inquiry{first, after})
}

// When INBOX gets a new UIDVALIDITY (deleted and restored: same messages,
// new UIDs), nothing already answered is answered again, and mail added
// after the change is answered.
func TestUIDValidityChangeAnswersNothingTwice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "")
	p := e.start()
	e.waitConnected(p)
	var qs []inquiry
	for c := range 3 {
		q := e.newInquiry(c)
		e.appendIMAP(q)
		qs = append(qs, q)
	}
	e.waitAnswered(withinSeconds, qs)
	if got := len(e.smtp.Messages()); got != len(qs) {
		t.Fatalf("%d mails sent before the change, want %d", got, len(qs))
	}

	if err := e.dovecot.RecreateMailbox("INBOX"); err != nil {
		t.Fatalf("recreate INBOX: %v\n%s", err, e.dovecot.LogTail())
	}
	// Appended at once, before the daemon has even reconnected.
	for c := 10; c < 12; c++ {
		q := e.newInquiry(c)
		e.appendIMAP(q)
		qs = append(qs, q)
	}
	e.waitLog(withinSeconds, "UIDVALIDITY changed", 1)
	// The old messages come again under new UIDs and are recognised by
	// their Message-IDs; had any been ingested again, its follow-up would
	// be in the database in the same transaction as its notice.
	e.waitAnswered(withinSeconds, qs)
	e.waitLog(withinSeconds, "message seen before", 3)
	if err := p.stop(20 * time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	e.checkAnsweredOnce(qs)
}
