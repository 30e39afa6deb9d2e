package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/followupd/followupd/internal/core"
)

// Latest returns customer id's newest message that started a sequence of
// its own (written or forwarded; replies continue a conversation), with
// the templates already sent for it; nil when there is none.
func (t *Tx) Latest(customerID int64) (*core.Contact, error) {
	var c core.Contact
	var date int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, header_msgid, subject, date, category, excerpt FROM messages
		WHERE customer_id = ? AND kind IN (?, ?) AND error = '' AND skip_reason = '' AND history = 0
		ORDER BY id DESC LIMIT 1`, customerID, core.KindCustomer, core.KindForward).
		Scan(&c.Message.ID, &c.Message.MessageID, &c.Message.Subject, &date, &c.Message.Category, &c.Message.Excerpt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("newest message: %w", err)
	}
	c.Message.Date = fromUnix(date)
	c.Trigger, c.Seq = MessageTrigger(c.Message.ID), c.Message.ID
	rows, err := t.tx.QueryContext(t.ctx, `SELECT DISTINCT template FROM followups WHERE customer_id = ? AND state = 'sent'
		AND (trigger_key = ? OR trigger_key LIKE ? || '/%')`, customerID, c.Trigger, c.Trigger)
	c.Sent, err = collect(rows, err, "templates sent", func(r rowScanner) (s string, err error) { return s, r.Scan(&s) })
	return &c, err
}

// MessageTrigger is the trigger key of what message id starts.
func MessageTrigger(id int64) string { return fmt.Sprintf("m:%d", id) }

// CaseTrigger is the trigger key of what resolving case id starts.
func CaseTrigger(id int64) string { return fmt.Sprintf("r:%d", id) }

// CancelTrigger cancels customer id's pending follow-ups of trigger (and
// of its corrections, "trigger/category"), saying why; it returns how
// many.
func (t *Tx) CancelTrigger(customerID int64, trigger, why string) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE followups SET state = 'cancelled', last_error = ?
		WHERE customer_id = ? AND state = 'pending' AND (trigger_key = ? OR trigger_key LIKE ? || '/%')`, why, customerID, trigger, trigger)
	if err != nil {
		return 0, wrap(err, "cancel follow-ups")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// SetCategory records a new reading of message id, and what set it.
func (t *Tx) SetCategory(id int64, cat core.Category, rule string) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE messages SET category = ?, rule = ?, unsure = 0, unanswered = '' WHERE id = ?`, cat, rule, id)
	return wrap(err, "set category")
}
