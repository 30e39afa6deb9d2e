package faulttest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// The kill test's size. A failure names its seed; FOLLOWUPD_FAULT_SEED
// replays the same kill delays, customers and append pacing.
const (
	killMessages = 500
	minKills     = 20
	// A backstop should the daemon stop making progress: this many kills
	// in a row with no message ingested between them fails the test.
	// (How many kills the whole run takes depends on how fast the daemon
	// starts, which the race detector slows several times over.)
	stuckKills = 60
	maxKills   = 1000 // bounds the loop whatever happens
	// maxBacklog bounds the mail appended but not yet ingested. Without
	// it the backlog outgrows what one short life can ingest (a batch of
	// up to 100 messages is one transaction) and most kills land in the
	// same catch-up instead of among the sends.
	maxBacklog = 25
)

func killSeed(t *testing.T) uint64 {
	if s := os.Getenv("FOLLOWUPD_FAULT_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("FOLLOWUPD_FAULT_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// SIGKILL the daemon at random moments while mail arrives and follow-ups
// go out, restart it each time, then let it finish. Nothing may be lost or
// ingested twice, and no follow-up may reach a customer twice: a send cut
// off in its end-of-DATA window must be settled from the Sent folder or
// left "in doubt", never repeated blindly.
func TestSIGKILLDuringIngestAndSendLosesNothingAndSendsNothingTwice(t *testing.T) {
	t.Parallel()
	seed := killSeed(t)
	t.Logf("seed %d (replay with FOLLOWUPD_FAULT_SEED=%d)", seed, seed)
	e := newEnv(t, "")
	// Widen the window between the final dot and the server's answer for
	// some sends: the reply comes a few ms later, so more kills land
	// inside it.
	e.smtp.SetFault(func(n int, _ []string) testserver.Fault {
		if n%3 == 0 {
			time.Sleep(time.Duration(5+n%25) * time.Millisecond)
		}
		return testserver.FaultNone
	})

	// The mail: unique Message-IDs; about a quarter from customers who
	// wrote before (so some customers are owed two or three answers).
	rng := rand.New(rand.NewPCG(seed, 1))
	var qs []inquiry
	perCustomer := map[int]int{}
	for i := range killMessages {
		c := i
		if i > 0 && rng.IntN(4) == 0 {
			if prev := rng.IntN(i); perCustomer[prev] > 0 && perCustomer[prev] < 3 {
				c = prev
			}
		}
		perCustomer[c]++
		qs = append(qs, e.newInquiry(c))
	}

	// The first start records the (empty) mailbox's checkpoint: mail
	// appended after it is new mail, owed a follow-up.
	p := e.start()
	e.waitConnected(p)

	var appended atomic.Int64
	appendDone := make(chan error, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer wg.Wait()
	defer close(stop)
	wg.Add(1)
	go func() {
		defer wg.Done()
		pace := rand.New(rand.NewPCG(seed, 2))
		for i, q := range qs {
			for i-e.countMessages() >= maxBacklog {
				select {
				case <-stop:
					appendDone <- nil
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
			if err := e.dovecot.Append("INBOX", q.Raw); err != nil {
				appendDone <- fmt.Errorf("append %s: %w", q.MsgID, err)
				return
			}
			appended.Add(1)
			time.Sleep(time.Duration(pace.IntN(15)) * time.Millisecond)
		}
		appendDone <- nil
	}()

	kill := rand.New(rand.NewPCG(seed, 3))
	var delays []int
	appending := true
	ingested, progressAt := 0, 0 // messages in the store, and the kill count when that last grew
	for len(delays) < minKills || appending {
		if n := e.countMessages(); n > ingested {
			ingested, progressAt = n, len(delays)
		}
		if len(delays)-progressAt >= stuckKills || len(delays) >= maxKills {
			t.Fatalf("no progress: %d kills, %d since a message was last ingested (%d of %d appended, %d ingested)",
				len(delays), len(delays)-progressAt, appended.Load(), len(qs), ingested)
		}
		ms := 50 + kill.IntN(551)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		if p.exited() {
			t.Fatalf("followupd exited by itself after start #%d: %v", len(delays), p.err)
		}
		p.kill()
		e.note("faulttest: SIGKILL", "after_ms", ms)
		delays = append(delays, ms)
		select {
		case err := <-appendDone:
			if err != nil {
				t.Fatal(err)
			}
			appending = false
		default:
		}
		if appending || len(delays) < minKills {
			p = e.start()
		}
	}
	// The last one runs to the end, from a clean log position: it has
	// started (and so handles SIGTERM) once it logs its IMAP connection.
	connected := e.countLog("imap connected")
	p = e.start()
	t.Logf("%d kills, at these ms after each start: %v", len(delays), delays)

	// Let the last one run until it is quiet: everything ingested, and no
	// follow-up waiting or being sent.
	waitUntil(t, 120*time.Second, "the daemon catches up after the kills", func() (bool, string) {
		if p.exited() {
			t.Fatalf("followupd exited by itself: %v", p.err)
		}
		if e.countLog("imap connected") <= connected {
			return false, "the last start has not connected to IMAP yet"
		}
		s, err := e.snap()
		if err != nil {
			return false, err.Error()
		}
		if len(s.Messages) < len(qs) {
			return false, fmt.Sprintf("%d of %d messages ingested", len(s.Messages), len(qs))
		}
		if len(s.Followups) < len(qs) {
			return false, fmt.Sprintf("%d of %d follow-ups planned", len(s.Followups), len(qs))
		}
		for _, f := range s.Followups {
			if f.State == "pending" || f.State == "sending" {
				return false, fmt.Sprintf("follow-up %d is %s (attempts %d, %s)", f.ID, f.State, f.Attempts, f.Error)
			}
		}
		return true, ""
	})
	if err := p.stop(20 * time.Second); err != nil {
		t.Errorf("SIGTERM after the kills: %v", err)
	}
	checkNothingLostNothingTwice(t, e, qs)
	t.Logf("settled at start-up: %d sent again (no dot), %d found in Sent, %d in doubt",
		e.countLog("interrupted send had not reached the end of DATA"),
		e.countLog("interrupted send found in the Sent folder"),
		e.countLog("follow-up in doubt"))
}

// checkNothingLostNothingTwice compares the database with the mail that
// was appended and the mail the SMTP server captured.
func checkNothingLostNothingTwice(t *testing.T, e *env, qs []inquiry) {
	t.Helper()
	s := e.mustSnap()

	// Every appended message is in the messages table exactly once.
	times := map[string]int{}
	for _, m := range s.Messages {
		times[m.MsgID]++
	}
	want := map[string]inquiry{}
	for _, q := range qs {
		want[q.MsgID] = q
		if times[q.MsgID] != 1 {
			t.Errorf("%s is in the messages table %d times, want once", q.MsgID, times[q.MsgID])
		}
	}
	for id, n := range times {
		if _, ok := want[id]; !ok {
			t.Errorf("the messages table has %d row(s) for %q, which was never appended", n, id)
		}
	}

	// Every message got exactly one follow-up, and each is settled: sent,
	// or in doubt (never blindly repeated).
	byTrigger := map[string][]followupRow{}
	byMsgID := map[string]followupRow{}
	states := map[string]int{}
	for _, f := range s.Followups {
		byTrigger[f.Trigger] = append(byTrigger[f.Trigger], f)
		byMsgID[f.MsgID] = f
		states[f.State]++
		switch {
		case f.State != "sent" && f.State != "doubt":
			t.Errorf("follow-up %d to %s ended %s (%s), want sent or doubt", f.ID, f.Customer, f.State, f.Error)
		case f.State == "doubt" && f.Dot == 0:
			t.Errorf("follow-up %d to %s is in doubt but never reached the final dot: it was safe to send again (%s)", f.ID, f.Customer, f.Error)
		}
	}
	for _, q := range qs {
		if fs := byTrigger[q.MsgID]; len(fs) != 1 {
			t.Errorf("%s from %s has %d follow-ups, want 1: %+v", q.MsgID, q.Customer, len(fs), fs)
		}
	}

	// The SMTP capture: each follow-up at most once, to its customer, in
	// reply to its message. A doubt row is never sent again either, so it
	// too is captured at most once (once if the kill came after the
	// server took the final dot).
	captured := map[string]int{}
	perRcpt := map[string]int{}
	for _, m := range e.sentMails() {
		captured[m.MsgID]++
		perRcpt[m.To]++
		f, ok := byMsgID[m.MsgID]
		switch {
		case !ok:
			t.Errorf("captured mail %s to %s matches no follow-up", m.MsgID, m.To)
		case m.To != f.Customer || m.InReplyTo != f.Trigger:
			t.Errorf("captured mail %s went to %s in reply to %s; its follow-up is for %s about %s", m.MsgID, m.To, m.InReplyTo, f.Customer, f.Trigger)
		}
	}
	var doubts []string
	doubtsCaptured := 0
	for _, f := range s.Followups {
		n := captured[f.MsgID]
		switch {
		case n > 1:
			t.Errorf("follow-up %d (%s) to %s was sent %d times (state %s)", f.ID, f.MsgID, f.Customer, n, f.State)
		case f.State == "sent" && n == 0:
			t.Errorf("follow-up %d (%s) to %s is recorded sent but the SMTP server never got it", f.ID, f.MsgID, f.Customer)
		case f.State == "doubt":
			doubts = append(doubts, fmt.Sprintf("%d: %s", f.ID, f.Error))
			doubtsCaptured += n
		}
	}
	// Per customer: never more mail than messages they wrote.
	wrote := map[string]int{}
	for _, q := range qs {
		wrote[q.Customer]++
	}
	var rcpts []string
	for r := range perRcpt {
		rcpts = append(rcpts, r)
	}
	sort.Strings(rcpts)
	for _, r := range rcpts {
		if perRcpt[r] > wrote[r] {
			t.Errorf("%s got %d follow-ups for %d messages", r, perRcpt[r], wrote[r])
		}
	}
	t.Logf("%d messages from %d customers; follow-ups by state %v; %d captured", len(s.Messages), len(wrote), states, len(e.smtp.Messages()))
	if len(doubts) > 0 {
		// Captured: killed after the server took the dot, before the copy
		// in Sent; not captured: killed between recording the dot and
		// writing it.
		t.Logf("%d in doubt, %d of them captured by the SMTP server: %s", len(doubts), doubtsCaptured, strings.Join(doubts[:min(len(doubts), 5)], "; "))
	}
}
