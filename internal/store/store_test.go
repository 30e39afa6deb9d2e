package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
)

var t0 = time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDatabaseFileIsPrivateAndMigrationsRunOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	for i := 0; i < 2; i++ { // the second open finds the schema current
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatalf("open #%d: %v", i+1, err)
		}
		var n int
		if err := s.db.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		ms, _ := migrations()
		if n != len(ms) {
			t.Errorf("open #%d: %d migrations recorded, want %d", i+1, n, len(ms))
		}
		var mode string
		s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
		if mode != "wal" {
			t.Errorf("journal_mode = %q, want wal", mode)
		}
		var fk int
		s.db.QueryRow(`PRAGMA foreign_keys`).Scan(&fk)
		if fk != 1 {
			t.Errorf("foreign_keys = %d, want 1", fk)
		}
		s.Close()
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database mode = %v, want 0600", fi.Mode().Perm())
	}
}

// ingestOne records a customer message with one planned step, as the daemon does.
func ingestOne(t *testing.T, s *Store, uid uint32, key string, due time.Time) (msgID int64, added bool) {
	t.Helper()
	tx, err := s.Begin(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	c, err := tx.TouchCustomer("Ana@Example.COM", "Ana López", t0, true)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tx.InsertMessage(MessageRecord{Mailbox: "INBOX", UIDValidity: 7, UID: uid, Key: key, HeaderMsgID: key, CustomerID: c.ID, Subject: "Hello"})
	if err != nil {
		t.Fatal(err)
	}
	plan := core.Followup{CustomerID: c.ID, TriggerKey: fmt.Sprintf("m:%d", id), Event: "inquiry", TriggerTime: t0, Thread: core.Thread{ID: id},
		Sequence: "new-contact", Step: 0, Template: "thank-you", StopOnReply: true, Due: due}
	added, err = tx.PlanFollowup(plan)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := tx.PlanFollowup(plan); err != nil || again {
		t.Fatalf("planning the same step twice: added=%v err=%v, want nothing new", again, err)
	}
	if err := tx.SetCheckpoint(Checkpoint{Mailbox: "INBOX", UIDValidity: 7, LastUID: uid, Synced: t0}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return id, added
}

func TestIngestRecordsCustomerMessageAndCheckpointTogether(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ingestOne(t, s, 1, "a@x", t0)

	// An abandoned transaction leaves nothing behind, checkpoint included.
	tx, _ := s.Begin(ctx, t0)
	c, _ := tx.TouchCustomer("bob@example.com", "Bob", t0, true)
	tx.InsertMessage(MessageRecord{Mailbox: "INBOX", UIDValidity: 7, UID: 2, Key: "b@x", CustomerID: c.ID})
	tx.SetCheckpoint(Checkpoint{Mailbox: "INBOX", UIDValidity: 7, LastUID: 2})
	tx.Rollback()

	cp, ok, err := s.Checkpoint(ctx, "INBOX")
	if err != nil || !ok || cp.LastUID != 1 || cp.UIDValidity != 7 {
		t.Fatalf("checkpoint = %+v ok=%v err=%v, want last uid 1 validity 7", cp, ok, err)
	}
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Customers != 1 || st.Messages != 1 || st.Followups[core.Pending] != 1 {
		t.Errorf("stats = %+v, want 1 customer, 1 message, 1 pending", st)
	}
	if !st.LastSync.Equal(t0) {
		t.Errorf("last sync = %v, want %v", st.LastSync, t0)
	}

	tx, _ = s.Begin(ctx, t0)
	defer tx.Rollback()
	if seen, _ := tx.HasMessage("a@x"); !seen {
		t.Error("HasMessage(a@x) = false after ingest")
	}
	c2, err := tx.TouchCustomer("ANA@example.com", "", t0.Add(time.Hour), true)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Contacts != 2 || c2.Name != "Ana López" || c2.Email != "ana@example.com" || !c2.LastContact.Equal(t0.Add(time.Hour)) {
		t.Errorf("customer after second contact = %+v", c2)
	}
}

func TestClaimFixesMessageIDAndRetryKeepsIt(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ingestOne(t, s, 1, "a@x", t0.Add(time.Hour))

	if f, err := s.ClaimReady(ctx, t0, func() string { return "x" }); err != nil || f != nil {
		t.Fatalf("claim before due = %v, %v; want nothing", f, err)
	}
	next, ok, err := s.NextReady(ctx)
	if err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextReady = %v %v %v", next, ok, err)
	}
	ids := 0
	newID := func() string { ids++; return "id1@shop.test" }
	f, err := s.ClaimReady(ctx, t0.Add(time.Hour), newID)
	if err != nil || f == nil {
		t.Fatalf("claim = %v, %v", f, err)
	}
	if f.State != core.Sending || f.Attempts != 1 || f.SMTPMessageID != "id1@shop.test" || f.Customer.Email != "ana@example.com" || f.Thread.MessageID != "a@x" {
		t.Errorf("claimed = %+v", f)
	}
	if f2, _ := s.ClaimReady(ctx, t0.Add(2*time.Hour), newID); f2 != nil {
		t.Fatalf("a claimed follow-up was claimed again: %+v", f2)
	}
	if err := s.Reschedule(ctx, f.ID, t0.Add(3*time.Hour), "451 try later"); err != nil {
		t.Fatal(err)
	}
	f, err = s.ClaimReady(ctx, t0.Add(3*time.Hour), newID)
	if err != nil || f == nil {
		t.Fatalf("claim after retry time = %v, %v", f, err)
	}
	if f.Attempts != 2 || f.SMTPMessageID != "id1@shop.test" || ids != 1 {
		t.Errorf("retry: attempts=%d msgid=%q newID calls=%d; want 2, the first id, 1", f.Attempts, f.SMTPMessageID, ids)
	}
	if err := s.MarkSent(ctx, f.ID, t0.Add(3*time.Hour), "v1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, f.ID, "late"); err == nil {
		t.Error("a sent follow-up could be cancelled")
	}
	if _, ok, _ := s.NextReady(ctx); ok {
		t.Error("NextReady found work after the only follow-up was sent")
	}
}

func TestInterruptedClaimBecomesDoubtNotResent(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ingestOne(t, s, 1, "a@x", t0)
	if f, _ := s.ClaimReady(ctx, t0, func() string { return "m@x" }); f == nil {
		t.Fatal("nothing claimed")
	}
	// The process dies here; the next start finds the claim.
	fs, err := s.Interrupted(ctx)
	if err != nil || len(fs) != 1 || fs[0].State != core.Sending {
		t.Fatalf("Interrupted = %v, %v", fs, err)
	}
	if err := s.MarkDoubt(ctx, fs[0].ID, "interrupted"); err != nil {
		t.Fatal(err)
	}
	if f, _ := s.ClaimReady(ctx, t0.Add(time.Hour), func() string { return "n@x" }); f != nil {
		t.Errorf("an in-doubt follow-up was claimed again")
	}
	st, _ := s.Stats(ctx)
	if st.Followups[core.Doubt] != 1 {
		t.Errorf("doubt count = %d, want 1", st.Followups[core.Doubt])
	}
}

func TestOptOutCancelsEverythingPendingForGood(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ingestOne(t, s, 1, "a@x", t0.Add(time.Hour))
	err := s.Update(ctx, t0, func(tx *Tx) error {
		n, err := tx.OptOut("ANA@example.com", "replied STOP")
		if n != 1 {
			t.Errorf("opt-out cancelled %d follow-ups, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Customer(ctx, "ana@example.com")
	if err != nil || c.OptedOut.IsZero() || c.OptOutWhy != "replied STOP" {
		t.Fatalf("customer after opt-out = %+v, %v", c, err)
	}
	if f, _ := s.ClaimReady(ctx, t0.Add(2*time.Hour), func() string { return "x@y" }); f != nil {
		t.Errorf("a follow-up was claimed for an opted-out customer: %+v", f)
	}
	// An address never seen before is remembered as opted out too.
	s.Update(ctx, t0, func(tx *Tx) error { _, err := tx.OptOut("new@example.com", "owner"); return err })
	if c, err := s.Customer(ctx, "new@example.com"); err != nil || c.OptedOut.IsZero() {
		t.Errorf("unknown address opt-out not remembered: %+v %v", c, err)
	}
}

func TestSecondComplaintJoinsTheOpenCaseAndResolveWakesWaiters(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	msgID, _ := ingestOne(t, s, 1, "a@x", t0)
	var first *core.Case
	err := s.Update(ctx, t0, func(tx *Tx) error {
		c, _ := tx.Customer("ana@example.com")
		k, opened, err := tx.OpenCase(c.ID, msgID, "Broken bell")
		if err != nil || !opened {
			t.Fatalf("OpenCase = %v %v %v", k, opened, err)
		}
		first = k
		k2, opened, err := tx.OpenCase(c.ID, msgID, "Still broken")
		if err != nil || opened || k2.ID != k.ID {
			t.Errorf("second complaint opened %v (new=%v), want it to join case %d", k2, opened, k.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A follow-up held back by the open case...
	f, _ := s.ClaimReady(ctx, t0, func() string { return "m@x" })
	if err := s.Wait(ctx, f.ID, t0.Add(6*time.Hour), "open complaint case"); err != nil {
		t.Fatal(err)
	}
	var resolved *core.Case
	s.Update(ctx, t0.Add(time.Hour), func(tx *Tx) error {
		var err error
		resolved, err = tx.ResolveCase(first.CustomerID, "command")
		return err
	})
	if resolved == nil || resolved.Open() || resolved.ResolvedBy != "command" {
		t.Fatalf("resolved = %+v", resolved)
	}
	// ...is ready again as soon as the case is resolved.
	if f, _ := s.ClaimReady(ctx, t0.Add(time.Hour), func() string { return "n@x" }); f == nil || f.Attempts != 1 {
		t.Errorf("the waiting follow-up was not woken by the resolution (or its wait counted as an attempt): %+v", f)
	}
	st, _ := s.Stats(ctx)
	if st.OpenCases != 0 {
		t.Errorf("open cases = %d, want 0", st.OpenCases)
	}
}

func TestReplyFindsTheFollowUpAndCancelsTheRest(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	ingestOne(t, s, 1, "a@x", t0)
	f, _ := s.ClaimReady(ctx, t0, func() string { return "fu.1@shop.test" })
	s.MarkSent(ctx, f.ID, t0, "")
	// A second, later step is still pending.
	s.Update(ctx, t0, func(tx *Tx) error {
		_, err := tx.PlanFollowup(core.Followup{CustomerID: f.Customer.ID, TriggerKey: f.TriggerKey, Event: "inquiry", TriggerTime: t0,
			Sequence: "new-contact", Step: 1, Template: "check-in", StopOnReply: true, Due: t0.Add(72 * time.Hour)})
		return err
	})
	s.Update(ctx, t0.Add(time.Hour), func(tx *Tx) error {
		ref, err := tx.FollowupByMessageID([]string{"<unrelated@x>", "<fu.1@shop.test>"})
		if err != nil || ref == nil || ref.ID != f.ID || ref.Template != "thank-you" {
			t.Errorf("FollowupByMessageID = %+v, %v", ref, err)
		}
		n, err := tx.CancelOnReply(f.Customer.ID, 99)
		if n != 1 {
			t.Errorf("reply cancelled %d follow-ups, want 1 (the check-in)", n)
		}
		return err
	})
	if _, ok, _ := s.NextReady(ctx); ok {
		t.Error("something is still pending after the customer replied")
	}
}

func TestQuietScanMovesPastCustomersAlreadyPlanned(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	s.Update(ctx, t0, func(tx *Tx) error {
		for i := 0; i < 5; i++ {
			if _, err := tx.TouchCustomer(fmt.Sprintf("c%d@example.com", i), "", t0.Add(time.Duration(i)*time.Minute), true); err != nil {
				return err
			}
		}
		return nil
	})
	seen := map[string]bool{}
	for round := 0; round < 4; round++ {
		custs, err := s.QuietCustomers(ctx, "keep-in-touch", t0.Add(24*time.Hour), 2)
		if err != nil {
			t.Fatal(err)
		}
		s.Update(ctx, t0, func(tx *Tx) error {
			for _, c := range custs {
				seen[c.Email] = true
				if _, err := tx.PlanFollowup(core.Followup{CustomerID: c.ID, TriggerKey: QuietKey(c.ID, c.LastContact), Event: "quiet",
					TriggerTime: t0, Sequence: "keep-in-touch", Template: "stay-in-touch", Due: t0}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if len(seen) != 5 {
		t.Errorf("scans in batches of 2 reached %d of 5 quiet customers", len(seen))
	}
}

func TestBatchClaimAndReleaseKeepEachFollowUpOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		ingestOne(t, s, uint32(i+1), fmt.Sprintf("k%d@x", i), t0)
	}
	n := 0
	newID := func() string { n++; return fmt.Sprintf("fu.%d@shop.test", n) }
	fs, err := s.ClaimReadyBatch(ctx, t0, 3, Part{}, newID)
	if err != nil || len(fs) != 3 {
		t.Fatalf("claimed %d, %v; want 3", len(fs), err)
	}
	rest, _ := s.ClaimReadyBatch(ctx, t0, 10, Part{}, newID)
	if len(rest) != 2 {
		t.Fatalf("second claim got %d, want the other 2", len(rest))
	}
	// Stopping: two of the first batch were not sent and go back.
	if err := s.Release(ctx, []int64{fs[1].ID, fs[2].ID}); err != nil {
		t.Fatal(err)
	}
	again, _ := s.ClaimReadyBatch(ctx, t0, 10, Part{}, newID)
	if len(again) != 2 || again[0].Attempts != 1 || again[0].SMTPMessageID != fs[1].SMTPMessageID && again[0].SMTPMessageID != fs[2].SMTPMessageID {
		t.Errorf("released follow-ups reclaimed as %+v", again)
	}
	// A follow-up past its final dot is never released.
	s.MarkDot(ctx, again[0].ID, t0)
	s.Release(ctx, []int64{again[0].ID})
	if f, _ := s.Followup(ctx, again[0].ID); f.State != core.Sending {
		t.Errorf("a follow-up past its dot was released: %s", f.State)
	}
}

// TestALooserDatabaseIsTightenedOnEveryOpen: a database (and its -wal and
// -shm) restored or copied with looser permissions is made 0600 when
// opened, and the store says so.
func TestALooserDatabaseIsTightenedOnEveryOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tightened()) != 0 {
		t.Errorf("a new database was tightened: %q", s.Tightened())
	}
	s.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Tightened()) != 3 {
		t.Errorf("tightened %q, want the database, its -wal and -shm", s.Tightened())
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s is %04o, want 0600", p, fi.Mode().Perm())
		}
	}
}

// TestRetainCutsOnlyWhatIsOlderThanTheLimit: retention empties the words
// of messages recorded before the cut and deletes cases resolved before
// it, and leaves younger ones and open cases alone.
func TestRetainCutsOnlyWhatIsOlderThanTheLimit(t *testing.T) {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	day := 24 * time.Hour
	record := func(at time.Time, email string, uid uint32, resolve bool) {
		err := s.Update(context.Background(), at, func(tx *Tx) error {
			c, err := tx.TouchCustomer(email, "", at, true)
			if err != nil {
				return err
			}
			id, err := tx.InsertMessage(MessageRecord{Mailbox: "INBOX", UIDValidity: 7, UID: uid, Key: email, CustomerID: c.ID,
				Subject: "Broken", Excerpt: "It arrived broken.", Evidence: `[{"signal":"problem"}]`})
			if err != nil {
				return err
			}
			if _, _, err := tx.OpenCase(c.ID, id, "Broken"); err != nil {
				return err
			}
			if resolve {
				_, err = tx.ResolveCase(c.ID, core.ByCommand)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	record(t0, "old@example.com", 1, true)
	record(t0.Add(10*day), "young@example.com", 2, true)
	record(t0, "open@example.com", 3, false)
	var r Retained
	err = s.Update(context.Background(), t0.Add(12*day), func(tx *Tx) (err error) {
		r, err = tx.Retain(t0.Add(5 * day))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Excerpts != 2 || r.Cases != 1 {
		t.Errorf("retained %+v, want 2 excerpts (old, open) and 1 case (old, resolved)", r)
	}
	for email, want := range map[string][2]int{"old@example.com": {0, 0}, "young@example.com": {1, 1}, "open@example.com": {0, 1}} {
		tl, err := s.CustomerTimeline(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		words := 0
		if tl.Messages[0].Excerpt != "" {
			words = 1
		}
		if words != want[0] || len(tl.Cases) != want[1] || tl.Messages[0].Subject != "Broken" {
			t.Errorf("%s: words %d, cases %d; want %v, and the subject kept", email, words, len(tl.Cases), want)
		}
	}
}
