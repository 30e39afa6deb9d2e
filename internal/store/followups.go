package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Follow-up states.
const (
	StatePending   = "pending"   // waiting for its time
	StateSending   = "sending"   // claimed: an SMTP attempt is (or was) under way
	StateSent      = "sent"      // the SMTP server accepted it
	StateFailed    = "failed"    // given up: permanent error or retries exhausted
	StateCancelled = "cancelled" // no longer wanted (opt-out, owner, stop condition)
	StateDoubt     = "doubt"     // a claim was interrupted: it may or may not have gone out
)

// Followup is a planned follow-up with what sending it needs to know.
type Followup struct {
	ID            int64
	Sequence      string
	Step          int
	Template      string
	Recipient     string // customer | owner
	Due           time.Time
	NotBefore     time.Time
	State         string
	Attempts      int
	SMTPMessageID string
	LastError     string
	Sent          time.Time

	Customer Customer
	// The message that started the sequence.
	TriggerMsgID   string // its Message-ID header, without brackets
	TriggerSubject string
	TriggerDate    time.Time
}

const followupSelect = `SELECT f.id, f.sequence, f.step, f.template, f.recipient, f.due, f.not_before, f.state,
	f.attempts, f.smtp_message_id, f.last_error, f.sent,
	m.header_msgid, m.subject, m.date,
	c.id, c.email, c.name, c.first_contact, c.last_contact, c.contacts, c.purchases, c.vip, c.opted_out, c.bouncing
	FROM followups f JOIN messages m ON m.id = f.trigger_id JOIN customers c ON c.id = f.customer_id`

func scanFollowup(row interface{ Scan(...any) error }) (*Followup, error) {
	var f Followup
	var due, notBefore, sent, tdate, first, last, opted, bouncing int64
	var vip int
	c := &f.Customer
	err := row.Scan(&f.ID, &f.Sequence, &f.Step, &f.Template, &f.Recipient, &due, &notBefore, &f.State,
		&f.Attempts, &f.SMTPMessageID, &f.LastError, &sent,
		&f.TriggerMsgID, &f.TriggerSubject, &tdate,
		&c.ID, &c.Email, &c.Name, &first, &last, &c.Contacts, &c.Purchases, &vip, &opted, &bouncing)
	if err != nil {
		return nil, err
	}
	f.Due, f.NotBefore, f.Sent, f.TriggerDate = fromUnix(due), fromUnix(notBefore), fromUnix(sent), fromUnix(tdate)
	c.FirstContact, c.LastContact, c.OptedOut, c.Bouncing = fromUnix(first), fromUnix(last), fromUnix(opted), fromUnix(bouncing)
	c.VIP = vip != 0
	return &f, nil
}

// Followup returns one follow-up by id.
func (s *Store) Followup(ctx context.Context, id int64) (*Followup, error) {
	f, err := scanFollowup(s.db.QueryRowContext(ctx, followupSelect+` WHERE f.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("follow-up %d: %w", id, err)
	}
	return f, nil
}

// NextReady returns when the earliest pending follow-up becomes ready to
// send; ok is false when nothing is pending.
func (s *Store) NextReady(ctx context.Context) (at time.Time, ok bool, err error) {
	var n int64
	err = s.db.QueryRowContext(ctx, `SELECT not_before FROM followups WHERE state = 'pending' ORDER BY not_before LIMIT 1`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next ready follow-up: %w", err)
	}
	return time.Unix(n, 0).UTC(), true, nil
}

// ClaimReady claims the earliest pending follow-up ready at now: in one
// transaction it counts the attempt, marks it sending and fixes its
// Message-ID (newID is called only for a follow-up that has none yet, so a
// retry keeps the first one). It returns nil when nothing is ready.
func (s *Store) ClaimReady(ctx context.Context, now time.Time, newID func() string) (*Followup, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	defer tx.Rollback()
	var id int64
	var msgID string
	err = tx.QueryRowContext(ctx, `SELECT id, smtp_message_id FROM followups WHERE state = 'pending' AND not_before <= ?
		ORDER BY not_before LIMIT 1`, unix(now)).Scan(&id, &msgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if msgID == "" {
		msgID = newID()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE followups SET state = 'sending', attempts = attempts + 1, claimed = ?,
		smtp_message_id = ? WHERE id = ?`, unix(now), msgID, id); err != nil {
		return nil, fmt.Errorf("claim %d: %w", id, err)
	}
	f, err := scanFollowup(tx.QueryRowContext(ctx, followupSelect+` WHERE f.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("claim %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim %d: %w", id, err)
	}
	return f, nil
}

// MarkSent records that the SMTP server accepted follow-up id.
func (s *Store) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return s.setState(ctx, id, StateSent, `sent = ?, last_error = ''`, unix(now))
}

// MarkFailed gives up on follow-up id with the reason (the server's reply).
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string) error {
	return s.setState(ctx, id, StateFailed, `last_error = ?`, reason)
}

// Cancel cancels follow-up id with a reason, unless it was already sent.
func (s *Store) Cancel(ctx context.Context, id int64, reason string) error {
	return s.setState(ctx, id, StateCancelled, `last_error = ?`, reason)
}

// Reschedule puts a claimed follow-up back in the queue, ready at next,
// keeping its attempt count and Message-ID (a temporary failure, or a gate
// that moved it).
func (s *Store) Reschedule(ctx context.Context, id int64, next time.Time, reason string) error {
	return s.setState(ctx, id, StatePending, `not_before = ?, last_error = ?`, unix(next), reason)
}

func (s *Store) setState(ctx context.Context, id int64, state, set string, args ...any) error {
	args = append([]any{state}, args...)
	args = append(args, id)
	res, err := s.db.ExecContext(ctx, `UPDATE followups SET state = ?, `+set+` WHERE id = ? AND state NOT IN ('sent')`, args...)
	if err != nil {
		return fmt.Errorf("follow-up %d to %s: %w", id, state, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("follow-up %d to %s: no such follow-up, or already sent", id, state)
	}
	return nil
}

// DoubtInterrupted marks every follow-up left "sending" by a previous run
// as in doubt: the process stopped between claiming it and recording the
// outcome, so it may have been sent. Such follow-ups are never sent again
// blindly. It returns them.
func (s *Store) DoubtInterrupted(ctx context.Context) ([]*Followup, error) {
	rows, err := s.db.QueryContext(ctx, followupSelect+` WHERE f.state = 'sending' ORDER BY f.id`)
	if err != nil {
		return nil, fmt.Errorf("interrupted sends: %w", err)
	}
	var fs []*Followup
	for rows.Next() {
		f, err := scanFollowup(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("interrupted sends: %w", err)
		}
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("interrupted sends: %w", err)
	}
	for _, f := range fs {
		if _, err := s.db.ExecContext(ctx, `UPDATE followups SET state = 'doubt',
			last_error = 'interrupted between SMTP and recording the result' WHERE id = ? AND state = 'sending'`, f.ID); err != nil {
			return nil, fmt.Errorf("interrupted send %d: %w", f.ID, err)
		}
		f.State = StateDoubt
	}
	return fs, nil
}

// MarkDoubt records that follow-up id may or may not have been delivered
// (the connection dropped after the final dot); it is not retried.
func (s *Store) MarkDoubt(ctx context.Context, id int64, reason string) error {
	return s.setState(ctx, id, StateDoubt, `last_error = ?`, reason)
}
