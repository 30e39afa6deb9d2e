package daemon

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/store"
)

// The owner's operations. They work on the store directly, so the CLI can
// run them while the daemon runs; the daemon's dispatcher sees what they
// plan within a few seconds.

// Resolve resolves a case, named by its number or the customer's address,
// and plans the sequences that start on "resolved".
func Resolve(ctx context.Context, st *store.Store, cfg *config.Config, target string, now time.Time) (*store.Case, int, error) {
	var resolved *store.Case
	planned := 0
	err := st.Update(ctx, now, func(tx *store.Tx) error {
		var customerID int64
		if id, err := strconv.ParseInt(strings.TrimPrefix(target, "#"), 10, 64); err == nil {
			k, err := tx.Case(id)
			if err != nil {
				return err
			}
			if !k.Open() {
				return fmt.Errorf("case %d was already resolved on %s", id, k.Resolved.Format(time.RFC3339))
			}
			customerID = k.CustomerID
		} else {
			c, err := tx.Customer(target)
			if err != nil {
				return err
			}
			customerID = c.ID
		}
		k, err := tx.ResolveCase(customerID, "command")
		if err != nil {
			return err
		}
		if k == nil {
			return fmt.Errorf("%s has no open case", target)
		}
		resolved = k
		if err := tx.OwnerAnswered(customerID, 0); err != nil {
			return err
		}
		c, err := tx.Customer(k.Email)
		if err != nil {
			return err
		}
		added, _, err := planEvent(tx, cfg.Sequences, resolvedEvent(k, now), c)
		planned = len(added)
		if err != nil {
			return err
		}
		return nil
	})
	return resolved, planned, err
}

// OptOut opts an address out for good and cancels what is pending for it.
func OptOut(ctx context.Context, st *store.Store, email, why string, now time.Time) (int, error) {
	if !strings.Contains(email, "@") {
		return 0, fmt.Errorf("%q is not an email address", email)
	}
	var n int
	err := st.Update(ctx, now, func(tx *store.Tx) error {
		var err error
		n, err = tx.OptOut(email, why)
		return err
	})
	return n, err
}

// CancelFollowup cancels one pending follow-up.
func CancelFollowup(ctx context.Context, st *store.Store, id int64) error {
	f, err := st.Followup(ctx, id)
	if err != nil {
		return err
	}
	if f.State != store.StatePending {
		return fmt.Errorf("follow-up %d is %s, not pending", id, f.State)
	}
	return st.Cancel(ctx, id, "cancelled by the owner")
}

// RetryFollowup re-queues a failed, in-doubt, skipped or cancelled
// follow-up to go now. For one in doubt this is the owner's decision that
// it was not delivered; for one to an address marked bouncing, that the
// address works (the mark is taken back, or the gate would cancel it).
// It says what it did beyond the retry.
func RetryFollowup(ctx context.Context, st *store.Store, id int64, now time.Time) (string, error) {
	f, err := st.Followup(ctx, id)
	if err != nil {
		return "", err
	}
	customer := f.Recipient == "customer"
	if customer && !f.Customer.OptedOut.IsZero() {
		return "", errors.New("the customer opted out: nothing more may be sent to them")
	}
	note := ""
	err = st.Update(ctx, now, func(tx *store.Tx) error {
		if customer && !f.Customer.Bouncing.IsZero() {
			if err := tx.ClearBouncing(f.Customer.ID); err != nil {
				return err
			}
			note = fmt.Sprintf("%s was marked as bouncing (%s); the retry takes that back", f.Customer.Email, f.Customer.BounceWhy)
		}
		return tx.Retry(id)
	})
	return note, err
}
