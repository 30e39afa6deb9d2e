package main

import (
	"context"
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

// seedBatch is how many customers one seeding transaction writes.
const seedBatch = 5000

// seedPending writes n customers through the store API, each with one
// recorded inquiry and one planned thank-you due at due, in transactions
// of seedBatch customers. tag keeps addresses and keys apart between
// calls on one store.
func seedPending(ctx context.Context, st *store.Store, tag string, n int, due time.Time) error {
	now := time.Now().UTC()
	for done := 0; done < n; {
		end := min(done+seedBatch, n)
		err := st.Update(ctx, now, func(tx *store.Tx) error {
			for i := done; i < end; i++ {
				email := fmt.Sprintf("%s%06d@example.org", tag, i)
				c, err := tx.TouchCustomer(email, fmt.Sprintf("Seed %s %d", firstNames[i%len(firstNames)], i), now.Add(-time.Hour), true)
				if err != nil {
					return err
				}
				key := fmt.Sprintf("%s.%d@seed.example.org", tag, i)
				id, err := tx.InsertMessage(store.MessageRecord{
					Mailbox: "seed-" + tag, UIDValidity: 1, UID: uint32(i + 1), Key: key, HeaderMsgID: key,
					CustomerID: c.ID, Kind: core.KindCustomer, Category: core.Inquiry, Rule: "built-in: first contact",
					Subject: "Question about " + products[i%len(products)], From: email,
					Excerpt: sentences[i%len(sentences)], Date: now.Add(-time.Hour), Arrived: now.Add(-time.Hour),
				})
				if err != nil {
					return err
				}
				if _, err := tx.PlanFollowup(core.Followup{
					CustomerID: c.ID, TriggerKey: store.MessageTrigger(id), Event: core.EventInquiry, TriggerTime: now.Add(-time.Hour),
					TriggerSeq: id, Thread: core.Thread{ID: id}, Sequence: "new-contact", Step: 0, Template: "thank-you",
					Recipient: core.ToCustomer, StopOnReply: true, FirstTime: true, Due: due,
				}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed %d customers: %w", n, err)
		}
		done = end
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}
