package store

import (
	"context"
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Hold keeps a claimed follow-up for the owner: a limit was reached. It
// is not claimed again until released (Release), and expires after a
// while (ExpireHeld); not_before records when it was held.
func (s *Store) Hold(ctx context.Context, id int64, now time.Time, reason string) error {
	return setState(ctx, s.db, id, core.Held, `not_before = ?, last_error = ?, attempts = MAX(attempts - 1, 0)`, unix(now), reason)
}

// ReleaseHeld lets held follow-up id go now, past the limits: the
// owner's approval. Released is recorded on it for good.
func (t *Tx) ReleaseHeld(id int64) error {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE followups SET state = ?, not_before = ?, released = 1,
		last_error = 'released by the owner (followupd approve)' WHERE id = ? AND state = ?`, core.Pending, unix(t.now), id, core.Held)
	if err != nil {
		return fmt.Errorf("release %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("follow-up %d is not held", id)
	}
	return nil
}

// ExpireHeld records as expired the follow-ups held since before t, and
// returns them.
func (s *Store) ExpireHeld(ctx context.Context, t time.Time, reason string) ([]*core.Followup, error) {
	held, err := s.followups(ctx, ` WHERE f.state = ? AND f.not_before < ? ORDER BY f.id`, core.Held, unix(t))
	if err != nil {
		return nil, err
	}
	var out []*core.Followup
	for _, f := range held {
		res, err := s.db.ExecContext(ctx, `UPDATE followups SET state = ?, last_error = ? WHERE id = ? AND state = ?`, core.Expired, reason, f.ID, core.Held)
		if err != nil {
			return out, fmt.Errorf("expire %d: %w", f.ID, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

// HeldFollowups returns the follow-ups held for the owner, oldest first.
func (s *Store) HeldFollowups(ctx context.Context, limit int) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = ? ORDER BY f.not_before, f.id LIMIT ?`, core.Held, limit)
}

// RolledUpSince returns the owner alerts rolled into a surge alert whose
// claim was at or after t.
func (s *Store) RolledUpSince(ctx context.Context, t time.Time, limit int) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = ? AND f.recipient = ? AND f.last_error LIKE 'rolled up:%' AND f.claimed >= ? ORDER BY f.id LIMIT ?`,
		core.Skipped, core.ToOwner, unix(t), limit)
}

// NewRecipientsSince counts the customers first written to at or after t.
func (s *Store) NewRecipientsSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM customers WHERE first_auto >= ? AND first_auto <> 0`, unix(t)).Scan(&n)
	return n, wrap(err, "count new recipients")
}

// OwnerSentSince counts the mail sent to the owner at or after t.
func (s *Store) OwnerSentSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM followups WHERE recipient = ? AND sent >= ? AND sent <> 0`, core.ToOwner, unix(t)).Scan(&n)
	return n, wrap(err, "count owner mail")
}

// LastSent returns when a follow-up of sequence was last sent; zero if
// never.
func (t *Tx) LastSent(sequence string) (time.Time, error) { return lastSent(t.ctx, t.tx, sequence) }

// LastSent returns when a follow-up of sequence was last sent; zero if
// never.
func (s *Store) LastSent(ctx context.Context, sequence string) (time.Time, error) {
	return lastSent(ctx, s.db, sequence)
}

func lastSent(ctx context.Context, q querier, sequence string) (time.Time, error) {
	var at int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(sent), 0) FROM followups WHERE sequence = ? AND sent <> 0`, sequence).Scan(&at)
	return fromUnix(at), wrap(err, "last sent")
}

// Waiting reports whether a follow-up of sequence waits to be sent
// (pending, or being sent).
func (t *Tx) Waiting(sequence string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM followups WHERE sequence = ? AND state IN (?, ?)`, sequence, core.Pending, core.Sending).Scan(&n)
	return n > 0, wrap(err, "look up waiting follow-ups")
}
