package faulttest

import (
	"fmt"
	"testing"
	"time"
)

// While the SMTP server is down, follow-ups fail temporarily and are
// retried; once it is back the queue drains: each answered exactly once,
// none lost. smtp.retry_first = "1s" keeps the retries (1s, 2s, 4s, ...
// jittered) within the test's seconds instead of minutes.
func TestSMTPOutageDrainsQueueWithoutDuplicates(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `retry_first = "1s"`+"\n")
	p := e.start()
	e.waitConnected(p)
	// One send first, so the daemon holds an SMTP connection that the
	// outage then breaks.
	first := e.newInquiry(1)
	e.appendIMAP(first)
	e.waitAnswered(withinSeconds, []inquiry{first})

	e.smtp.Stop()
	down := []inquiry{e.newInquiry(2), e.newInquiry(3), e.newInquiry(4)}
	for _, q := range down {
		e.appendIMAP(q)
	}
	// Every follow-up of the outage has failed at least twice and waits
	// for its next try.
	waitUntil(t, withinSeconds, "follow-ups fail and are rescheduled while SMTP is down", func() (bool, string) {
		s, err := e.snap()
		if err != nil {
			return false, err.Error()
		}
		failed := 0
		for _, f := range s.Followups {
			if f.State == "pending" && f.Attempts >= 2 && f.Error != "" {
				failed++
			}
		}
		return failed == len(down), fmt.Sprintf("%d of %d rescheduled after 2 attempts: %+v", failed, len(down), s.Followups)
	})
	if n := e.countLog("follow-up send failed; will retry"); n < 2*len(down) {
		t.Errorf("%d \"will retry\" log lines, want at least %d", n, 2*len(down))
	}
	if err := e.smtp.Restart(); err != nil {
		t.Fatal(err)
	}
	qs := append([]inquiry{first}, down...)
	e.waitAnswered(withinSeconds, qs)
	if err := p.stop(20 * time.Second); err != nil {
		t.Errorf("SIGTERM: %v", err)
	}
	e.checkAnsweredOnce(qs)
}
