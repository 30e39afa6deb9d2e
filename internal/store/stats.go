package store

import (
	"context"
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Stats are the counts `followupd status` shows.
type Stats struct {
	Customers int
	Messages  int
	Skipped   int // messages recorded with a skip reason
	Malformed int // messages recorded with a parse error
	Review    int // messages kept for the owner's review
	// Unverified counts the mail from the owner's address that was not
	// verified and waits for the owner's approval (part of Review).
	Unverified int
	OpenCases  int
	Followups  map[core.State]int
	LastSync   time.Time // the latest sync of any mailbox; zero if never
}

// Stats counts customers, messages and follow-ups by state.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{Followups: map[core.State]int{}}
	for _, state := range core.States {
		st.Followups[state] = 0
	}
	var synced int64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM customers),
		(SELECT COUNT(*) FROM messages),
		(SELECT COUNT(*) FROM messages WHERE skip_reason <> ''),
		(SELECT COUNT(*) FROM messages WHERE error <> ''),
		(SELECT COUNT(*) FROM messages WHERE review = 1),
		(SELECT COUNT(*) FROM messages WHERE review = 1 AND kind = ?),
		(SELECT COUNT(*) FROM cases WHERE resolved = 0),
		(SELECT COALESCE(MAX(synced), 0) FROM checkpoints)`, core.KindUnverified).Scan(&st.Customers, &st.Messages, &st.Skipped, &st.Malformed, &st.Review, &st.Unverified, &st.OpenCases, &synced)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	st.LastSync = fromUnix(synced)
	rows, err := s.db.QueryContext(ctx, `SELECT state, COUNT(*) FROM followups GROUP BY state`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state core.State
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return st, fmt.Errorf("stats: %w", err)
		}
		st.Followups[state] = n
	}
	return st, rows.Err()
}

// Pending counts the follow-ups waiting to be sent (the queue depth), from
// the index the dispatcher uses: cheap enough for every metrics scrape.
func (s *Store) Pending(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM followups WHERE state = 'pending'`).Scan(&n)
	return n, wrap(err, "count pending")
}
