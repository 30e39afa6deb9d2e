package daemon

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/rules"
)

// The owner's operations. They work on the store directly, so the CLI can
// run them while the daemon runs; the daemon's dispatcher sees what they
// plan within a few seconds.

// Resolve resolves a case, named by its number or the customer's address,
// and plans the sequences that start on "resolved".
func Resolve(ctx context.Context, st *store.Store, cfg *config.Config, target string, now time.Time) (*core.Case, int, error) {
	p, err := rules.New(cfg, nil)
	if err != nil {
		return nil, 0, err
	}
	var resolved *core.Case
	planned := 0
	err = st.Update(ctx, now, func(tx *store.Tx) error {
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
		k, err := tx.ResolveCase(customerID, core.ByCommand)
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
		plan, _ := p.Resolved(k, now, c)
		added, err := planFollowups(tx, stampResolved(plan, k))
		planned = len(added)
		return err
	})
	return resolved, planned, err
}

// Reclassify corrects how the customer's newest message was read: the
// pending follow-ups of the wrong reading are cancelled and the right
// one's planned, without repeating a template already sent for it (what
// an owner tag such as "#complaint ana@example.com" does in mail). It
// returns what rules decided and the follow-ups planned.
func Reclassify(ctx context.Context, st *store.Store, cfg *config.Config, email string, to core.Category, now time.Time) (*rules.Reclassification, int, error) {
	if !to.Valid() {
		return nil, 0, fmt.Errorf("%q is not a category (one of %s)", to, categoryList())
	}
	p, err := rules.New(cfg, nil)
	if err != nil {
		return nil, 0, err
	}
	var r *rules.Reclassification
	planned := 0
	err = st.Update(ctx, now, func(tx *store.Tx) error {
		c, err := tx.Customer(email)
		if err != nil {
			return err
		}
		latest, err := tx.Latest(c.ID)
		if err != nil {
			return err
		}
		r = p.Reclassify(c, latest, to, "followupd reclassify", now)
		if !r.Changes {
			return nil
		}
		if to == core.Purchase {
			if err := tx.AddPurchase(c.ID); err != nil {
				return err
			}
		}
		added, err := applyReclassification(tx, r, c)
		planned = len(added)
		return err
	})
	return r, planned, err
}

func categoryList() string {
	var s []string
	for _, c := range core.Categories {
		s = append(s, string(c))
	}
	return strings.Join(s, ", ")
}

// SetLanguage sets the language the customer is written to in, as the
// owner's choice: detection no longer changes it.
func SetLanguage(ctx context.Context, st *store.Store, email string, l core.Lang, now time.Time) error {
	return st.Update(ctx, now, func(tx *store.Tx) error {
		c, err := tx.Customer(email)
		if err != nil {
			return err
		}
		return tx.SetLanguage(c.ID, l, true)
	})
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
	if f.State != core.Pending {
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
	customer := f.Recipient == core.ToCustomer
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
