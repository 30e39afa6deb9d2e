package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
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

// Customer is what the store remembers about one address.
type Customer struct {
	ID           int64
	Email        string // lower-cased
	Name         string
	FirstContact time.Time
	LastContact  time.Time
	Contacts     int
	Purchases    int
	VIP          bool
	OptedOut     time.Time // zero: not opted out
	Bouncing     time.Time // zero: not bouncing
}

// MessageRecord is one message as the ingest records it.
type MessageRecord struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Key         string // Message-ID, or a content hash when there is none
	HeaderMsgID string
	CustomerID  int64 // 0: none (skipped or unattributed)
	Direction   string
	Category    string
	Subject     string
	From        string
	Date        time.Time
	History     bool
	SkipReason  string
	Error       string
}

// NewFollowup is a planned follow-up.
type NewFollowup struct {
	CustomerID int64
	TriggerID  int64
	Sequence   string
	Step       int
	Template   string
	Recipient  string // customer | owner
	Due        time.Time
}

// Tx is one ingest transaction. Everything it records, including the new
// checkpoint, becomes visible at Commit or not at all.
type Tx struct {
	tx  *sql.Tx
	ctx context.Context
	now time.Time
}

// Begin starts an ingest transaction; now is the time recorded as
// "ingested" and used for customer contact times.
func (s *Store) Begin(ctx context.Context, now time.Time) (*Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{tx: tx, ctx: ctx, now: now}, nil
}

// Commit commits the transaction.
func (t *Tx) Commit() error { return t.tx.Commit() }

// Rollback abandons the transaction; it is safe after Commit.
func (t *Tx) Rollback() { t.tx.Rollback() }

// Checkpoint returns the mailbox's checkpoint; ok is false if there is none.
func (s *Store) Checkpoint(ctx context.Context, mailbox string) (cp Checkpoint, ok bool, err error) {
	return checkpoint(ctx, s.db, mailbox)
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func checkpoint(ctx context.Context, q querier, mailbox string) (Checkpoint, bool, error) {
	cp := Checkpoint{Mailbox: mailbox}
	var synced int64
	err := q.QueryRowContext(ctx, `SELECT uidvalidity, last_uid, history_below, synced FROM checkpoints WHERE mailbox = ?`, mailbox).
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

// SetCheckpoint records the mailbox's checkpoint (and the sync time).
func (s *Store) SetCheckpoint(ctx context.Context, cp Checkpoint) error {
	return setCheckpoint(ctx, s.db, cp)
}

// SetCheckpoint records the checkpoint inside the transaction.
func (t *Tx) SetCheckpoint(cp Checkpoint) error { return setCheckpoint(t.ctx, t.tx, cp) }

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func setCheckpoint(ctx context.Context, e execer, cp Checkpoint) error {
	_, err := e.ExecContext(ctx, `INSERT INTO checkpoints(mailbox, uidvalidity, last_uid, history_below, synced)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,
			history_below = excluded.history_below, synced = excluded.synced`,
		cp.Mailbox, cp.UIDValidity, cp.LastUID, cp.HistoryBelow, unix(cp.Synced))
	if err != nil {
		return fmt.Errorf("write checkpoint: %w", err)
	}
	return nil
}

// HasMessage reports whether a message with this key was recorded before.
func (t *Tx) HasMessage(key string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM messages WHERE message_key = ?`, key).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("look up message: %w", err)
	}
	return n > 0, nil
}

// TouchCustomer records a contact from email (lower-cased here) at time at:
// it creates the customer if new, counts the contact, keeps the latest
// non-empty name and moves last_contact forward. It returns the customer as
// it is after the change; Contacts == 1 means this is the first contact.
func (t *Tx) TouchCustomer(email, name string, at time.Time) (Customer, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if at.IsZero() {
		at = t.now
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO customers(email, name, first_contact, last_contact, contacts)
		VALUES (?, ?, ?, ?, 1)
		ON CONFLICT(email) DO UPDATE SET
			contacts = contacts + 1,
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
			first_contact = MIN(first_contact, excluded.first_contact),
			last_contact = MAX(last_contact, excluded.last_contact)`,
		email, name, unix(at), unix(at))
	if err != nil {
		return Customer{}, fmt.Errorf("record customer %s: %w", email, err)
	}
	return customerByEmail(t.ctx, t.tx, email)
}

const customerColumns = `id, email, name, first_contact, last_contact, contacts, purchases, vip, opted_out, bouncing`

func scanCustomer(row interface{ Scan(...any) error }) (Customer, error) {
	var c Customer
	var first, last, opted, bouncing int64
	var vip int
	err := row.Scan(&c.ID, &c.Email, &c.Name, &first, &last, &c.Contacts, &c.Purchases, &vip, &opted, &bouncing)
	c.FirstContact, c.LastContact = fromUnix(first), fromUnix(last)
	c.OptedOut, c.Bouncing = fromUnix(opted), fromUnix(bouncing)
	c.VIP = vip != 0
	return c, err
}

func customerByEmail(ctx context.Context, q querier, email string) (Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE email = ?`, strings.ToLower(email)))
	if err != nil {
		return c, fmt.Errorf("read customer %s: %w", email, err)
	}
	return c, nil
}

// InsertMessage records a message and returns its id.
func (t *Tx) InsertMessage(m MessageRecord) (int64, error) {
	var cust any
	if m.CustomerID != 0 {
		cust = m.CustomerID
	}
	dir := m.Direction
	if dir == "" {
		dir = "in"
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO messages(mailbox, uidvalidity, uid, message_key, header_msgid,
		customer_id, direction, category, subject, from_addr, date, ingested, history, skip_reason, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Mailbox, m.UIDValidity, m.UID, m.Key, m.HeaderMsgID, cust, dir, m.Category, m.Subject, m.From,
		unix(m.Date), unix(t.now), b2i(m.History), m.SkipReason, m.Error)
	if err != nil {
		return 0, fmt.Errorf("record message uid %d: %w", m.UID, err)
	}
	return res.LastInsertId()
}

// PlanFollowup records a planned follow-up unless the same trigger and step
// was planned before; planning twice plans nothing new. It reports whether a
// row was added.
func (t *Tx) PlanFollowup(f NewFollowup) (bool, error) {
	rcpt := f.Recipient
	if rcpt == "" {
		rcpt = "customer"
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO followups(customer_id, trigger_id, sequence, step, template, recipient, due, not_before, created)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(trigger_id, sequence, step) DO NOTHING`,
		f.CustomerID, f.TriggerID, f.Sequence, f.Step, f.Template, rcpt, unix(f.Due), unix(f.Due), unix(t.now))
	if err != nil {
		return false, fmt.Errorf("plan follow-up %s/%d: %w", f.Sequence, f.Step, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Now returns the transaction's time.
func (t *Tx) Now() time.Time { return t.now }
