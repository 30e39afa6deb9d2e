package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
)

func TestConnectionsRunWithThePlannerStabilityGuarantee(t *testing.T) {
	openTest(t)
	if rc := qpsgResult(); rc != 0 {
		t.Fatalf("SQLITE_DBCONFIG_ENABLE_QPSG on a new connection: result %d, want 0", rc)
	}
}

// seedDue records n customers, each with an inquiry and a thank-you due at due.
func seedDue(tb testing.TB, s *Store, n int, due time.Time) {
	tb.Helper()
	err := s.Update(context.Background(), t0, func(tx *Tx) error {
		for i := 0; i < n; i++ {
			c, err := tx.TouchCustomer(fmt.Sprintf("c%06d@example.org", i), "Seed", t0, true)
			if err != nil {
				return err
			}
			key := fmt.Sprintf("%d@seed.example.org", i)
			id, err := tx.InsertMessage(MessageRecord{Mailbox: "INBOX", UIDValidity: 1, UID: uint32(i + 1), Key: key, HeaderMsgID: key, CustomerID: c.ID, Subject: "Q"})
			if err != nil {
				return err
			}
			if _, err := tx.PlanFollowup(core.Followup{CustomerID: c.ID, TriggerKey: fmt.Sprintf("m:%d", id), Event: "inquiry", TriggerTime: t0,
				TriggerSeq: id, Thread: core.Thread{ID: id}, Sequence: "new-contact", Template: "thank-you", Recipient: "customer", Due: due}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkSendPath times the store calls the dispatcher makes for each
// follow-up, on a store of 2000 customers.
func BenchmarkSendPath(b *testing.B) {
	ctx := context.Background()
	s := openTest(b)
	seedDue(b, s, 2000, t0)
	b.Run("Followup", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.Followup(ctx, int64(i%2000+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("OpenCaseOf", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := s.OpenCaseOf(ctx, int64(i%2000+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClaimAndRelease16", func(b *testing.B) {
		n := 0
		for i := 0; i < b.N; i++ {
			fs, err := s.ClaimReadyBatch(ctx, t0.Add(time.Hour), 16, Part{}, func() string { n++; return fmt.Sprint(n, "@bench") })
			if err != nil || len(fs) != 16 {
				b.Fatal(len(fs), err)
			}
			ids := make([]int64, len(fs))
			for i, f := range fs {
				ids[i] = f.ID
			}
			if err := s.Release(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func TestPartsSplitFollowUpsByCustomer(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seedDue(t, s, 10, t0)
	n := 0
	newID := func() string { n++; return fmt.Sprintf("fu.%d@shop.test", n) }
	claimAll := func(p Part) []*core.Followup {
		fs, err := s.ClaimReadyBatch(ctx, t0, 100, p, newID)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	if n, err := s.Pending(ctx); n != 10 || err != nil {
		t.Fatalf("Pending = %d, %v; want 10", n, err)
	}
	seen := map[int64]bool{}
	for i := range 3 {
		p := Part{N: i, Of: 3}
		for _, f := range claimAll(p) {
			if int(f.Customer.ID%3) != i {
				t.Errorf("part %d/3 claimed customer %d", i, f.Customer.ID)
			}
			if seen[f.ID] {
				t.Errorf("follow-up %d claimed twice", f.ID)
			}
			seen[f.ID] = true
		}
		// This part is drained; the next still waits.
		if _, ok, _ := s.NextReadyIn(ctx, p); ok {
			t.Errorf("part %d/3 still has a pending follow-up after claiming all", i)
		}
		if _, ok, _ := s.NextReadyIn(ctx, Part{N: i + 1, Of: 3}); i < 2 && !ok {
			t.Errorf("part %d/3 shows nothing pending before it was claimed", i+1)
		}
	}
	if len(seen) != 10 {
		t.Errorf("the three parts claimed %d of 10 follow-ups", len(seen))
	}
	if n, _ := s.Pending(ctx); n != 0 {
		t.Errorf("Pending = %d after everything was claimed", n)
	}
}

func TestSentToACustomerRecordsTheirLastAutomaticMail(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seedDue(t, s, 2, t0)
	// Customer 2 also has a follow-up for the owner about them.
	err := s.Update(ctx, t0, func(tx *Tx) error {
		_, err := tx.PlanFollowup(core.Followup{CustomerID: 2, TriggerKey: "r:1", Event: "complaint", TriggerTime: t0,
			Sequence: "owner-alert", Template: "owner-alert", Recipient: "owner", Due: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.ClaimReadyBatch(ctx, t0, 10, Part{}, func() string { return fmt.Sprint(time.Now().UnixNano(), "@shop.test") })
	if err != nil || len(fs) != 3 {
		t.Fatalf("claimed %d, %v; want 3", len(fs), err)
	}
	sentAt := t0.Add(time.Hour)
	var first *core.Followup // customer 1's
	for _, f := range fs {
		if f.Customer.ID == 1 {
			first = f
		}
		if f.Customer.ID == 1 || f.Recipient == "owner" {
			if err := s.MarkSent(ctx, f.ID, sentAt, "b"); err != nil {
				t.Fatal(err)
			}
		}
	}
	c1, _ := s.Customer(ctx, "c000000@example.org")
	c2, _ := s.Customer(ctx, "c000001@example.org")
	if !c1.LastAuto.Equal(sentAt) || !c1.LastContact.Equal(sentAt) {
		t.Errorf("customer mail sent: last_auto %v, last_contact %v; want both %v", c1.LastAuto, c1.LastContact, sentAt)
	}
	if !c2.LastAuto.IsZero() {
		t.Errorf("only mail to the owner about customer 2 was sent, yet their last_auto is %v", c2.LastAuto)
	}
	// Recording it again is refused and moves nothing.
	if err := s.MarkSent(ctx, first.ID, sentAt.Add(time.Hour), "c"); err == nil {
		t.Error("a follow-up was recorded as sent twice")
	}
	if c, _ := s.Customer(ctx, "c000000@example.org"); !c.LastAuto.Equal(sentAt) {
		t.Errorf("a refused second record moved last_auto to %v", c.LastAuto)
	}
}
