package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Checkpoint is how far a mailbox has been recorded: every message with a
// UID up to LastUID under UIDValidity is in the messages table.
type Checkpoint struct {
	Mailbox      string
	UIDValidity  uint32
	LastUID      uint32
	HistoryBelow uint32    // UIDs below this were in the mailbox on first start
	Synced       time.Time // last successful sync, zero if never
}

// Tx is one write transaction. Everything it records, including a new
// checkpoint, becomes visible at Commit or not at all.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	now time.Time
	// forgetting: whether any address was ever forgotten, read once a
	// transaction (which holds the write lock, so no forget lands meanwhile).
	forgetting *bool
}

// Begin starts a write transaction; now is the time it records.
func (s *Store) Begin(ctx context.Context, now time.Time) (*Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, ctx: context.WithoutCancel(ctx), now: now.UTC()}, nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback abandons the transaction; it is safe after Commit.
func (t *Tx) Rollback() { t.tx.Rollback() }

// Now returns the transaction's time.
func (t *Tx) Now() time.Time { return t.now }

// Update runs fn in a write transaction and commits it if fn succeeds.
func (s *Store) Update(ctx context.Context, now time.Time, fn func(*Tx) error) error {
	tx, err := s.Begin(ctx, now)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Checkpoint returns the mailbox's checkpoint; ok is false if there is none.
func (s *Store) Checkpoint(ctx context.Context, mailbox string) (cp Checkpoint, ok bool, err error) {
	cp = Checkpoint{Mailbox: mailbox}
	var synced int64
	err = s.db.QueryRowContext(ctx, `SELECT uidvalidity, last_uid, history_below, synced FROM checkpoints WHERE mailbox = ?`, mailbox).
		Scan(&cp.UIDValidity, &cp.LastUID, &cp.HistoryBelow, &synced)
	if errors.Is(err, sql.ErrNoRows) {
		return cp, false, nil
	}
	if err != nil {
		return cp, false, fmt.Errorf("read checkpoint: %w", err)
	}
	cp.Synced = fromUnix(synced)
	return cp, true, nil
}

// SetCheckpoint records the checkpoint inside the transaction.
func (t *Tx) SetCheckpoint(cp Checkpoint) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO checkpoints(mailbox, uidvalidity, last_uid, history_below, synced)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,
			history_below = excluded.history_below, synced = excluded.synced`,
		cp.Mailbox, cp.UIDValidity, cp.LastUID, cp.HistoryBelow, unix(cp.Synced))
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

// Meta returns the value stored under key, or "" if none.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetMetaOnce stores value under key unless a value is there already, and
// returns the value in force.
func (s *Store) SetMetaOnce(ctx context.Context, key, value string) (string, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING`, key, value); err != nil {
		return "", fmt.Errorf("meta %s: %w", key, err)
	}
	return s.Meta(ctx, key)
}

// SetMeta stores value under key.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return wrap(err, "meta "+key)
}

// SetSynced records that mailbox was fully fetched at time at.
func (s *Store) SetSynced(ctx context.Context, mailbox string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE checkpoints SET synced = MAX(synced, ?) WHERE mailbox = ?`, unix(at), mailbox)
	return wrap(err, "record sync")
}
