package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// PlanFollowup records a planned follow-up unless the same trigger and step
// was planned before; planning twice plans nothing new. It reports whether
// a row was added.
func (t *Tx) PlanFollowup(f core.Followup) (bool, error) {
	rcpt := f.Recipient
	if rcpt == "" {
		rcpt = core.ToCustomer
	}
	if f.TriggerSeq == 0 {
		var err error
		if f.TriggerSeq, err = t.Seq(); err != nil {
			return false, err
		}
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO followups(customer_id, trigger_key, event, trigger_time, trigger_seq, thread_id, case_id,
		sequence, step, template, recipient, conditions, stop_on_reply, first_time, due, not_before, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(trigger_key, sequence, step) DO NOTHING`,
		f.CustomerID, f.TriggerKey, f.Event, unix(f.TriggerTime), f.TriggerSeq, nullID(f.Thread.ID), nullID(f.CaseID),
		f.Sequence, f.Step, f.Template, rcpt, joinConditions(f.Conditions), b2i(f.StopOnReply), b2i(f.FirstTime),
		unix(f.Due), unix(f.Due), unix(t.now))
	if err != nil {
		return false, fmt.Errorf("plan follow-up %s/%d: %w", f.Sequence, f.Step, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const followupSelect = `SELECT f.id, f.trigger_key, f.event, f.trigger_time, f.trigger_seq, f.sequence, f.step, f.template, f.recipient,
	f.conditions, f.stop_on_reply, f.first_time, f.due, f.not_before, f.state, f.attempts, f.smtp_message_id, f.variant,
	f.last_error, f.created, f.dot, f.sent, COALESCE(f.thread_id, 0), COALESCE(m.header_msgid, ''), COALESCE(m.subject, ''),
	COALESCE(m.date, 0), COALESCE(m.category, ''), COALESCE(m.excerpt, ''), COALESCE(f.case_id, 0), f.released, ` + customerColumns + `
	FROM followups f JOIN customers c ON c.id = f.customer_id LEFT JOIN messages m ON m.id = f.thread_id`

func scanFollowup(row rowScanner) (*core.Followup, error) {
	var f core.Followup
	var trig, due, notBefore, created, dot, sent, tdate int64
	var stop, first, released int
	var conds string
	dest := []any{&f.ID, &f.TriggerKey, &f.Event, &trig, &f.TriggerSeq, &f.Sequence, &f.Step, &f.Template, &f.Recipient,
		&conds, &stop, &first, &due, &notBefore, &f.State, &f.Attempts, &f.SMTPMessageID, &f.Variant,
		&f.LastError, &created, &dot, &sent, &f.Thread.ID, &f.Thread.MessageID, &f.Thread.Subject, &tdate, &f.Thread.Category,
		&f.Thread.Excerpt, &f.CaseID, &released}
	cdest, done := customerDest(&f.Customer)
	if err := row.Scan(append(dest, cdest...)...); err != nil {
		return nil, err
	}
	done()
	f.TriggerTime, f.Due, f.NotBefore = fromUnix(trig), fromUnix(due), fromUnix(notBefore)
	f.Created, f.Dot, f.Sent, f.Thread.Date = fromUnix(created), fromUnix(dot), fromUnix(sent), fromUnix(tdate)
	f.Conditions = splitConditions(conds)
	f.CustomerID = f.Customer.ID
	f.StopOnReply, f.FirstTime, f.Released = stop != 0, first != 0, released != 0
	return &f, nil
}

// joinConditions and splitConditions map a step's conditions to their
// column, space-separated.
func joinConditions(cs []core.Condition) string {
	ss := make([]string, len(cs))
	for i, c := range cs {
		ss[i] = string(c)
	}
	return strings.Join(ss, " ")
}

func splitConditions(s string) []core.Condition {
	var out []core.Condition
	for _, f := range strings.Fields(s) {
		out = append(out, core.Condition(f))
	}
	return out
}

// Followup returns one follow-up by id.
func (s *Store) Followup(ctx context.Context, id int64) (*core.Followup, error) {
	f, err := scanFollowup(s.db.QueryRowContext(ctx, followupSelect+` WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("follow-up %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("follow-up %d: %w", id, err)
	}
	return f, nil
}

// Part selects the follow-ups of one dispatcher among several: those of
// customers whose id modulo Of is N. All of one customer's follow-ups
// are in the same part, so one dispatcher sends them, in order. The zero
// Part is everything.
type Part struct{ N, Of int }

func (p Part) args() (of, n int) {
	if p.Of < 1 {
		return 1, 0
	}
	return p.Of, p.N
}

// NextReady returns when the earliest pending follow-up becomes ready to
// send; ok is false when nothing is pending.
func (s *Store) NextReady(ctx context.Context) (at time.Time, ok bool, err error) {
	return s.NextReadyIn(ctx, Part{})
}

// NextReadyIn is NextReady for the follow-ups in part.
func (s *Store) NextReadyIn(ctx context.Context, part Part) (at time.Time, ok bool, err error) {
	var n int64
	of, pn := part.args()
	err = s.db.QueryRowContext(ctx, `SELECT not_before FROM followups WHERE state = 'pending' AND customer_id % ? = ?
		ORDER BY not_before LIMIT 1`, of, pn).Scan(&n)
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
func (s *Store) ClaimReady(ctx context.Context, now time.Time, newID func() string) (*core.Followup, error) {
	fs, err := s.ClaimReadyBatch(ctx, now, 1, Part{}, newID)
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	return fs[0], nil
}

// ClaimReadyBatch claims up to n ready follow-ups in part, earliest
// first, in one transaction, as ClaimReady does for one. A claimed
// follow-up that is never sent must be given back with Release; after a
// crash it is found "sending" without its final dot, and is safe to send
// again.
func (s *Store) ClaimReadyBatch(ctx context.Context, now time.Time, n int, part Part, newID func() string) ([]*core.Followup, error) {
	ctx = context.WithoutCancel(ctx) // see uninterrupted
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	defer tx.Rollback()
	of, pn := part.args()
	rows, err := tx.QueryContext(ctx, followupSelect+` WHERE f.state = 'pending' AND f.not_before <= ?
		AND f.customer_id % ? = ? ORDER BY f.not_before LIMIT ?`, unix(now), of, pn, n)
	if err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	var out []*core.Followup
	for rows.Next() {
		f, err := scanFollowup(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim: %w", err)
		}
		out = append(out, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	for _, f := range out {
		if f.SMTPMessageID == "" {
			f.SMTPMessageID = newID()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE followups SET state = 'sending', attempts = attempts + 1, claimed = ?,
			smtp_message_id = ? WHERE id = ?`, unix(now), f.SMTPMessageID, f.ID); err != nil {
			return nil, fmt.Errorf("claim %d: %w", f.ID, err)
		}
		// What the row now says, without reading it again.
		f.State, f.Attempts = core.Sending, f.Attempts+1
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim: %w", err)
	}
	return out, nil
}

// Release gives back claimed follow-ups that were not sent (the daemon is
// stopping): pending again, the claim not counted as an attempt.
func (s *Store) Release(ctx context.Context, ids []int64) error {
	for _, id := range ids {
		if _, err := s.db.ExecContext(ctx, `UPDATE followups SET state = 'pending', attempts = MAX(attempts - 1, 0)
			WHERE id = ? AND state = 'sending' AND dot = 0`, id); err != nil {
			return fmt.Errorf("release %d: %w", id, err)
		}
	}
	return nil
}

// MarkSent records that the SMTP server accepted follow-up id and which
// variant of the template it carried; for customer mail a trigger records
// in the same statement when the customer last got an automatic email.
func (s *Store) MarkSent(ctx context.Context, id int64, now time.Time, variant string) error {
	return setState(ctx, s.db, id, core.Sent, `sent = ?, variant = ?, last_error = ''`, unix(now), variant)
}

// MarkFailed gives up on follow-up id with the reason (the server's reply).
func (s *Store) MarkFailed(ctx context.Context, id int64, reason string) error {
	return setState(ctx, s.db, id, core.Failed, `last_error = ?`, reason)
}

// MarkDoubt records that follow-up id may or may not have been delivered;
// it is not retried without the owner's word.
func (s *Store) MarkDoubt(ctx context.Context, id int64, reason string) error {
	return setState(ctx, s.db, id, core.Doubt, `last_error = ?`, reason)
}

// Skip records that follow-up id will not be sent, and why (its conditions
// did not hold when it fell due, or it was too late).
func (s *Store) Skip(ctx context.Context, id int64, reason string) error {
	return setState(ctx, s.db, id, core.Skipped, `last_error = ?`, reason)
}

// Cancel cancels follow-up id with a reason, unless it was already sent.
func (s *Store) Cancel(ctx context.Context, id int64, reason string) error {
	return setState(ctx, s.db, id, core.Cancelled, `last_error = ?`, reason)
}

// Reschedule puts a claimed follow-up back in the queue, ready at next,
// keeping its attempt count and Message-ID (a temporary failure, or a
// send interrupted before its final dot). reason says why.
func (s *Store) Reschedule(ctx context.Context, id int64, next time.Time, reason string) error {
	return setState(ctx, s.db, id, core.Pending, `not_before = ?, last_error = ?, dot = 0`, unix(next), reason)
}

// MarkDot records, before the final dot of DATA is written, that from now
// on the SMTP server may have follow-up id. It is its own committed write:
// after a crash it tells "safe to send again" from "in doubt".
func (s *Store) MarkDot(ctx context.Context, id int64, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE followups SET dot = ? WHERE id = ? AND state = 'sending'`, unix(now), id)
	if err != nil {
		return fmt.Errorf("follow-up %d: record the final dot: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("follow-up %d: record the final dot: not being sent", id)
	}
	return nil
}

// Wait puts a claimed follow-up back without counting the claim as a send
// attempt: a gate (send hours, throttle, open case) holds it until next.
func (s *Store) Wait(ctx context.Context, id int64, next time.Time, reason string) error {
	return setState(ctx, s.db, id, core.Pending, `not_before = ?, last_error = ?, attempts = MAX(attempts - 1, 0)`, unix(next), "waits: "+reason)
}

// Retry re-queues a failed, in-doubt, skipped or cancelled follow-up to
// go now.
func (t *Tx) Retry(id int64) error { return retry(t.ctx, t.tx, id, t.now) }

// Retry re-queues a failed, in-doubt, skipped or cancelled follow-up to go at now.
func (s *Store) Retry(ctx context.Context, id int64, now time.Time) error {
	return retry(ctx, s.db, id, now)
}

func retry(ctx context.Context, e execer, id int64, now time.Time) error {
	res, err := e.ExecContext(ctx, `UPDATE followups SET state = 'pending', not_before = ?, last_error = 'retry requested by the owner'
		WHERE id = ? AND state IN ('failed', 'doubt', 'skipped', 'cancelled')`, unix(now), id)
	if err != nil {
		return fmt.Errorf("retry %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("retry %d: no failed, in-doubt, skipped or cancelled follow-up with that id", id)
	}
	return nil
}

func setState(ctx context.Context, e execer, id int64, state core.State, set string, args ...any) error {
	args = append([]any{state}, args...)
	args = append(args, id)
	res, err := e.ExecContext(ctx, `UPDATE followups SET state = ?, `+set+` WHERE id = ? AND state <> 'sent'`, args...)
	if err != nil {
		return fmt.Errorf("follow-up %d to %s: %w", id, state, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("follow-up %d to %s: no such follow-up, or already sent", id, state)
	}
	return nil
}

// Interrupted returns the follow-ups a previous run left "sending": it
// stopped between claiming them and recording the outcome.
func (s *Store) Interrupted(ctx context.Context) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = 'sending' ORDER BY f.id`)
}

// SentSince counts customer follow-ups sent at or after t.
func (s *Store) SentSince(ctx context.Context, t time.Time) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM followups WHERE sent >= ? AND sent <> 0 AND recipient = 'customer'`, unix(t)).Scan(&n)
	return n, wrap(err, "count sent")
}

// Variants returns the template variants already sent to a customer for a
// template, oldest first.
func (s *Store) Variants(ctx context.Context, customerID int64, template string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT variant FROM followups WHERE customer_id = ? AND template = ? AND state = 'sent'
		AND variant <> '' ORDER BY sent`, customerID, template)
	return collect(rows, err, "variants", func(r rowScanner) (v string, err error) { return v, r.Scan(&v) })
}

func (s *Store) followups(ctx context.Context, where string, args ...any) ([]*core.Followup, error) {
	rows, err := s.db.QueryContext(ctx, followupSelect+where, args...)
	return collect(rows, err, "follow-ups", scanFollowup)
}
