package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Held is mail from the owner's address that was not verified, kept
// whole for the owner's approval.
type Held struct {
	MessageID   int64
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Key         string
	Arrived     time.Time
	Raw         []byte
}

// Hold keeps the raw mail of message id until the owner approves it.
func (t *Tx) Hold(id int64, raw []byte) error {
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO held_mail(message_id, raw) VALUES (?, ?)`, id, raw)
	return wrap(err, "hold owner mail")
}

// HeldMail returns unverified owner mail waiting for the owner's approval.
func (t *Tx) HeldMail(id int64) (Held, error) {
	h := Held{MessageID: id}
	var arrived int64
	var kind core.Kind
	var review int
	err := t.tx.QueryRowContext(t.ctx, `SELECT m.kind, m.review, m.mailbox, m.uidvalidity, m.uid, m.message_key, m.arrived, COALESCE(h.raw, x'')
		FROM messages m LEFT JOIN held_mail h ON h.message_id = m.id WHERE m.id = ?`, id).
		Scan(&kind, &review, &h.Mailbox, &h.UIDValidity, &h.UID, &h.Key, &arrived, &h.Raw)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return h, fmt.Errorf("message %d: %w", id, ErrNotFound)
	case err != nil:
		return h, wrap(err, "read held mail")
	case kind != core.KindUnverified:
		return h, fmt.Errorf("message %d is not unverified owner mail (it is %s)", id, kind)
	case review == 0:
		return h, fmt.Errorf("message %d was approved already", id)
	case len(h.Raw) == 0:
		return h, fmt.Errorf("message %d: its mail was not kept", id)
	}
	h.Arrived = fromUnix(arrived)
	return h, nil
}

// Approved records that the owner approved held message id, applied as
// the message recorded under key as: it leaves the review list, and its
// mail is no longer kept.
func (t *Tx) Approved(id int64, as string, by string) error {
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE messages SET review = 0, skip_reason = ? || skip_reason WHERE id = ?`,
		"approved ("+by+", recorded as "+as+"); was: ", id); err != nil {
		return wrap(err, "approve")
	}
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM held_mail WHERE message_id = ?`, id)
	return wrap(err, "approve")
}

// Unverified returns the unverified owner mail waiting for the owner's
// approval, oldest first.
func (s *Store) Unverified(ctx context.Context) ([]MessageSummary, error) {
	return s.messages(ctx, ` WHERE m.review = 1 AND m.kind = ? ORDER BY m.id`, core.KindUnverified)
}

// SuspectSince returns customer mail not answered for being spam or
// failing authentication, recorded at or after t, at most limit.
func (s *Store) SuspectSince(ctx context.Context, t time.Time, limit int) ([]MessageSummary, error) {
	return s.messages(ctx, ` WHERE m.kind = ? AND m.ingested >= ? ORDER BY m.id LIMIT ?`, core.KindSuspect, unix(t), limit)
}
