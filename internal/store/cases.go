package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/followupd/followupd/internal/core"
)

const caseSelect = `SELECT k.id, k.customer_id, c.email, c.name, COALESCE(k.message_id, 0), k.subject, k.opened, k.resolved, k.resolved_by, c.last_owner
	FROM cases k JOIN customers c ON c.id = k.customer_id`

func scanCase(row rowScanner) (*core.Case, error) {
	var k core.Case
	var opened, resolved, owner int64
	if err := row.Scan(&k.ID, &k.CustomerID, &k.Email, &k.Name, &k.MessageID, &k.Subject, &opened, &resolved, &k.ResolvedBy, &owner); err != nil {
		return nil, err
	}
	k.Opened, k.Resolved, k.OwnerLast = fromUnix(opened), fromUnix(resolved), fromUnix(owner)
	return &k, nil
}

func openCaseOf(ctx context.Context, q querier, customerID int64) (*core.Case, error) {
	k, err := scanCase(q.QueryRowContext(ctx, caseSelect+` WHERE k.customer_id = ? AND k.resolved = 0`, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open case: %w", err)
	}
	return k, nil
}

// OpenCaseOf returns the customer's open case, or nil.
func (t *Tx) OpenCaseOf(customerID int64) (*core.Case, error) {
	return openCaseOf(t.ctx, t.tx, customerID)
}

// OpenCase opens a case for the customer, or returns the one already open
// (a second complaint joins it); opened reports whether it is new.
func (t *Tx) OpenCase(customerID, messageID int64, subject string) (k *core.Case, opened bool, err error) {
	if k, err := t.OpenCaseOf(customerID); err != nil || k != nil {
		return k, false, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `INSERT INTO cases(customer_id, message_id, subject, opened) VALUES (?, ?, ?, ?)`,
		customerID, nullID(messageID), subject, unix(t.now)); err != nil {
		return nil, false, fmt.Errorf("open case: %w", err)
	}
	k, err = t.OpenCaseOf(customerID)
	return k, true, err
}

// ResolveCase resolves the customer's open case, if any, and returns it.
func (t *Tx) ResolveCase(customerID int64, by core.Actor) (*core.Case, error) {
	k, err := t.OpenCaseOf(customerID)
	if err != nil || k == nil {
		return nil, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE cases SET resolved = ?, resolved_by = ? WHERE id = ?`, unix(t.now), by, k.ID); err != nil {
		return nil, fmt.Errorf("resolve case %d: %w", k.ID, err)
	}
	k.Resolved, k.ResolvedBy = t.now, by
	// Follow-ups that were waiting for the case to close may go now.
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE followups SET not_before = ? WHERE customer_id = ? AND state = 'pending' AND not_before > ?
		AND last_error LIKE 'waits: open complaint%'`, unix(t.now), customerID, unix(t.now)); err != nil {
		return nil, fmt.Errorf("resolve case %d: %w", k.ID, err)
	}
	return k, nil
}

// Case returns a case by id.
func (s *Store) Case(ctx context.Context, id int64) (*core.Case, error) {
	return caseByID(ctx, s.db, id)
}

// Case returns a case by id inside the transaction.
func (t *Tx) Case(id int64) (*core.Case, error) { return caseByID(t.ctx, t.tx, id) }

func caseByID(ctx context.Context, q querier, id int64) (*core.Case, error) {
	k, err := scanCase(q.QueryRowContext(ctx, caseSelect+` WHERE k.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("case %d: %w", id, ErrNotFound)
	}
	return k, err
}

// OpenCases returns every open case, oldest first.
func (s *Store) OpenCases(ctx context.Context) ([]*core.Case, error) {
	return s.cases(ctx, "open cases", ` WHERE k.resolved = 0 ORDER BY k.opened`)
}

// cases runs a query over cases; what names it in errors.
func (s *Store) cases(ctx context.Context, what, where string, args ...any) ([]*core.Case, error) {
	rows, err := s.db.QueryContext(ctx, caseSelect+where, args...)
	return collect(rows, err, what, scanCase)
}

// OpenCaseOf returns the customer's open case, or nil.
func (s *Store) OpenCaseOf(ctx context.Context, customerID int64) (*core.Case, error) {
	return openCaseOf(ctx, s.db, customerID)
}
