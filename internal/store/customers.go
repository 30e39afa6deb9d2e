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

const customerColumns = `c.id, c.email, c.name, c.first_contact, c.last_contact, c.last_inbound, c.last_owner, c.last_auto,
	c.inbound_seq, c.owner_seq, c.contacts, c.purchases, c.vip, c.opted_out, c.opt_out_why, c.bouncing, c.bounce_why,
	c.language, c.language_by_owner, c.first_auto`

// customerDest returns scan destinations for customerColumns and a func
// that converts the times once scanned.
func customerDest(c *core.Customer) ([]any, func()) {
	var first, last, in, owner, auto, opted, bouncing, firstAuto int64
	var vip, langByOwner int
	var lang string
	dest := []any{&c.ID, &c.Email, &c.Name, &first, &last, &in, &owner, &auto,
		&c.InboundSeq, &c.OwnerSeq, &c.Contacts, &c.Purchases, &vip, &opted, &c.OptOutWhy, &bouncing, &c.BounceWhy,
		&lang, &langByOwner, &firstAuto}
	return dest, func() {
		c.FirstContact, c.LastContact, c.LastInbound = fromUnix(first), fromUnix(last), fromUnix(in)
		c.LastOwner, c.LastAuto, c.OptedOut, c.Bouncing = fromUnix(owner), fromUnix(auto), fromUnix(opted), fromUnix(bouncing)
		c.VIP, c.Language, c.LanguageByOwner = vip != 0, core.Lang(lang), langByOwner != 0
		c.FirstAuto = fromUnix(firstAuto)
	}
}

func scanCustomer(row rowScanner) (core.Customer, error) {
	var c core.Customer
	dest, done := customerDest(&c)
	err := row.Scan(dest...)
	done()
	return c, err
}

// ErrNotFound is returned when a customer, case or follow-up does not exist.
var ErrNotFound = errors.New("not found")

func customerByEmail(ctx context.Context, q querier, email string) (core.Customer, error) {
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColumns+` FROM customers c WHERE c.email = ?`, strings.ToLower(strings.TrimSpace(email))))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("customer %s: %w", email, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("read customer %s: %w", email, err)
	}
	return c, nil
}

// Customer returns the customer with this address.
func (s *Store) Customer(ctx context.Context, email string) (core.Customer, error) {
	return customerByEmail(ctx, s.db, email)
}

// Customer returns the customer with this address, inside the transaction.
func (t *Tx) Customer(email string) (core.Customer, error) {
	return customerByEmail(t.ctx, t.tx, email)
}

// TouchCustomer records a contact with email at time at, creating the
// customer if new and keeping the latest non-empty name. inbound says the
// customer wrote it themselves (or the owner forwarded what they wrote).
// It returns the customer as it is after the change.
func (t *Tx) TouchCustomer(email, name string, at time.Time, inbound bool) (core.Customer, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if at.IsZero() {
		at = t.now
	}
	in := int64(0)
	n := 0
	if inbound {
		in, n = unix(at), 1
	}
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO customers(email, name, first_contact, last_contact, last_inbound, contacts)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(email) DO UPDATE SET
			contacts = contacts + excluded.contacts,
			name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
			first_contact = MIN(first_contact, excluded.first_contact),
			last_contact = MAX(last_contact, excluded.last_contact),
			last_inbound = MAX(last_inbound, excluded.last_inbound)`,
		email, name, unix(at), unix(at), in, n)
	if err != nil {
		return core.Customer{}, fmt.Errorf("record customer %s: %w", email, err)
	}
	return customerByEmail(t.ctx, t.tx, email)
}

// OwnerAnswered records that the owner answered customer id now, by the
// message with id seq (0: by a command; the newest message id is used).
func (t *Tx) OwnerAnswered(id, seq int64) error {
	if seq == 0 {
		var err error
		if seq, err = t.Seq(); err != nil {
			return err
		}
	}
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET last_owner = MAX(last_owner, ?), last_contact = MAX(last_contact, ?),
		owner_seq = MAX(owner_seq, ?) WHERE id = ?`, unix(t.now), unix(t.now), seq, id)
	return wrap(err, "record owner answer")
}

// NoteInbound records that message seq is the customer's newest.
func (t *Tx) NoteInbound(id, seq int64) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET inbound_seq = MAX(inbound_seq, ?) WHERE id = ?`, seq, id)
	return wrap(err, "record inbound message")
}

// Seq returns the newest message id: "now" on the sequence that decides
// what happened since a trigger.
func (t *Tx) Seq() (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT COALESCE(MAX(id), 0) FROM messages`).Scan(&n)
	return n, wrap(err, "newest message")
}

// SetVIP marks customer id as a VIP.
func (t *Tx) SetVIP(id int64) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET vip = 1 WHERE id = ?`, id)
	return wrap(err, "mark vip")
}

// SetLanguage records the language customer id writes in; byOwner says
// the owner set it, after which only the owner changes it.
func (t *Tx) SetLanguage(id int64, lang core.Lang, byOwner bool) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET language = ?, language_by_owner = MAX(language_by_owner, ?)
		WHERE id = ? AND (? = 1 OR language_by_owner = 0)`, lang, b2i(byOwner), id, b2i(byOwner))
	return wrap(err, "set language")
}

// AddPurchase counts a purchase for customer id.
func (t *Tx) AddPurchase(id int64) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET purchases = purchases + 1 WHERE id = ?`, id)
	return wrap(err, "count purchase")
}

// OptOut opts the address out for good (creating the customer record if
// needed, so the opt-out is remembered) and cancels everything pending for
// it. It returns how many follow-ups it cancelled.
func (t *Tx) OptOut(email, why string) (int, error) {
	c, err := t.TouchCustomer(email, "", t.now, false)
	if err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET opted_out = ?, opt_out_why = ? WHERE id = ? AND opted_out = 0`, unix(t.now), why, c.ID); err != nil {
		return 0, wrap(err, "opt out")
	}
	return t.cancelPending(c.ID, core.ToCustomer, "opted out: "+why)
}

// MarkBouncing marks the address as bouncing (permanently undeliverable)
// and cancels the follow-ups pending for it.
func (t *Tx) MarkBouncing(email, why string) (int, error) {
	c, err := t.TouchCustomer(email, "", t.now, false)
	if err != nil {
		return 0, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET bouncing = ?, bounce_why = ? WHERE id = ? AND bouncing = 0`, unix(t.now), why, c.ID); err != nil {
		return 0, wrap(err, "mark bouncing")
	}
	return t.cancelPending(c.ID, core.ToCustomer, "address bounces: "+why)
}

// ClearBouncing takes back the bouncing mark of customer id (the owner
// says the address works).
func (t *Tx) ClearBouncing(id int64) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET bouncing = 0, bounce_why = '' WHERE id = ?`, id)
	return wrap(err, "clear bouncing")
}

// CancelOnReply cancels the customer's pending follow-ups that stop when
// the customer replies and were triggered before message seq arrived.
func (t *Tx) CancelOnReply(customerID, seq int64) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE followups SET state = 'cancelled', last_error = 'the customer replied'
		WHERE customer_id = ? AND state = 'pending' AND recipient = 'customer' AND stop_on_reply = 1 AND trigger_seq < ?`,
		customerID, seq)
	if err != nil {
		return 0, wrap(err, "cancel on reply")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// cancelPending cancels the pending follow-ups of a customer to recipient
// ("" = all).
func (t *Tx) cancelPending(customerID int64, recipient core.Recipient, why string) (int, error) {
	res, err := t.tx.ExecContext(t.ctx, `UPDATE followups SET state = 'cancelled', last_error = ?
		WHERE customer_id = ? AND state = 'pending' AND (? = '' OR recipient = ?)`, why, customerID, recipient, recipient)
	if err != nil {
		return 0, wrap(err, "cancel follow-ups")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
