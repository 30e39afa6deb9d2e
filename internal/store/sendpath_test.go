package store

import (
	"context"
	"fmt"
	"testing"
	"time"
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
			if _, err := tx.PlanFollowup(NewFollowup{CustomerID: c.ID, TriggerKey: fmt.Sprintf("m:%d", id), Event: "inquiry", TriggerTime: t0,
				TriggerSeq: id, ThreadID: id, Sequence: "new-contact", Template: "thank-you", Recipient: "customer", Due: due}); err != nil {
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
			fs, err := s.ClaimReadyBatch(ctx, t0.Add(time.Hour), 16, func() string { n++; return fmt.Sprint(n, "@bench") })
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
