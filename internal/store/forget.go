package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Forgetting is what forgetting one address removed.
type Forgetting struct {
	Customer  bool // a customer with that address was known
	Messages  int  // messages deleted: theirs, and those from the address
	Followups int
	Cases     int
	Feedback  int
	Redacted  int // other messages whose text named the address, the address removed
	Held      int // unverified owner mail kept whole that named the address, deleted
}

// forgetKey returns the HMAC of an address under the installation's
// forget secret, made on first use.
func (t *Tx) forgetKey(email string) (string, error) {
	var secret string
	err := t.tx.QueryRowContext(t.ctx, `SELECT value FROM meta WHERE key = 'forget_secret'`).Scan(&secret)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 32)
		rand.Read(b)
		secret = hex.EncodeToString(b)
		_, err = t.tx.ExecContext(t.ctx, `INSERT INTO meta(key, value) VALUES ('forget_secret', ?)`, secret)
	}
	if err != nil {
		return "", wrap(err, "forget secret")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// Forgotten reports whether the address was forgotten at its owner's
// request: nothing of it may be recorded again, nothing sent to it.
func (t *Tx) Forgotten(email string) (bool, error) {
	// Most shops never forget anyone: then no query, no HMAC.
	if t.forgetting == nil {
		var any int
		if err := t.tx.QueryRowContext(t.ctx, `SELECT EXISTS(SELECT 1 FROM forgotten)`).Scan(&any); err != nil {
			return false, wrap(err, "look up forgotten")
		}
		some := any != 0
		t.forgetting = &some
	}
	if !*t.forgetting {
		return false, nil
	}
	key, err := t.forgetKey(email)
	if err != nil {
		return false, err
	}
	var n int
	err = t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM forgotten WHERE hash = ?`, key).Scan(&n)
	return n > 0, wrap(err, "look up forgotten")
}

// Forget deletes everything the database holds of an address: the
// customer, their messages (and every message from the address), their
// follow-ups, cases and feedback; it removes the address from the text
// of other messages that name it, and deletes unverified owner mail that
// names it. What is left is the address's HMAC, so that it is never
// written to again. The database deletes with secure_delete on (deleted
// content is overwritten with zeros); the caller checkpoints the WAL
// (Store.CheckpointWAL) after the commit.
func (t *Tx) Forget(email string) (Forgetting, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var f Forgetting
	key, err := t.forgetKey(email)
	if err != nil {
		return f, err
	}
	var id int64
	err = t.tx.QueryRowContext(t.ctx, `SELECT id FROM customers WHERE email = ?`, email).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = nil
	case err != nil:
		return f, wrap(err, "forget")
	default:
		f.Customer = true
	}
	exec := func(n *int, q string, args ...any) error {
		if err != nil {
			return err
		}
		res, e := t.tx.ExecContext(t.ctx, q, args...)
		if e != nil {
			err = fmt.Errorf("forget: %w", e)
			return err
		}
		if n != nil {
			k, _ := res.RowsAffected()
			*n += int(k)
		}
		return nil
	}
	// Their messages, and any from the address (machine mail, mail never
	// answered), with what hangs on them.
	mine := `(SELECT id FROM messages WHERE customer_id = ? OR from_addr = ?)`
	exec(nil, `UPDATE messages SET followup_id = NULL WHERE followup_id IN (SELECT id FROM followups WHERE customer_id = ?) OR id IN `+mine, id, id, email)
	exec(&f.Feedback, `DELETE FROM feedback WHERE customer_id = ? OR message_id IN `+mine, id, id, email)
	exec(nil, `UPDATE followups SET thread_id = NULL WHERE thread_id IN `+mine, id, email)
	exec(&f.Followups, `DELETE FROM followups WHERE customer_id = ?`, id)
	exec(nil, `UPDATE followups SET case_id = NULL WHERE case_id IN (SELECT id FROM cases WHERE customer_id = ?)`, id)
	exec(&f.Cases, `DELETE FROM cases WHERE customer_id = ?`, id)
	exec(nil, `DELETE FROM held_mail WHERE message_id IN `+mine, id, email)
	exec(&f.Messages, `DELETE FROM messages WHERE customer_id = ? OR from_addr = ?`, id, email)
	exec(nil, `DELETE FROM customers WHERE id = ?`, id)
	exec(nil, `INSERT INTO forgotten(hash, at) VALUES (?, ?) ON CONFLICT(hash) DO NOTHING`, key, unix(t.now))
	some := true
	t.forgetting = &some
	if err != nil {
		return f, err
	}
	if f.Redacted, err = t.redact(email); err != nil {
		return f, err
	}
	if err := exec(&f.Held, `DELETE FROM held_mail WHERE instr(lower(CAST(raw AS TEXT)), ?) > 0`, email); err != nil {
		return f, err
	}
	return f, nil
}

// redact removes the address from the text of the messages left that
// name it (an owner's reply or command that named several customers).
func (t *Tx) redact(email string) (int, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(email) + "%"
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, subject, excerpt, skip_reason, evidence, tags, from_addr FROM messages
		WHERE subject LIKE ?1 ESCAPE '\' OR excerpt LIKE ?1 ESCAPE '\' OR skip_reason LIKE ?1 ESCAPE '\'
		OR evidence LIKE ?1 ESCAPE '\' OR tags LIKE ?1 ESCAPE '\'`, like)
	if err != nil {
		return 0, wrap(err, "forget: find mentions")
	}
	type row struct {
		id   int64
		cols [6]string
	}
	var found []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.cols[0], &r.cols[1], &r.cols[2], &r.cols[3], &r.cols[4], &r.cols[5]); err != nil {
			rows.Close()
			return 0, wrap(err, "forget: find mentions")
		}
		found = append(found, r)
	}
	rows.Close()
	re := regexp.MustCompile(`(?i)` + regexp.QuoteMeta(email))
	for _, r := range found {
		for i := range r.cols {
			r.cols[i] = re.ReplaceAllString(r.cols[i], "(forgotten)")
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE messages SET subject = ?, excerpt = ?, skip_reason = ?, evidence = ?, tags = ?, from_addr = ? WHERE id = ?`,
			r.cols[0], r.cols[1], r.cols[2], r.cols[3], r.cols[4], r.cols[5], r.id); err != nil {
			return 0, wrap(err, "forget: redact")
		}
	}
	return len(found), nil
}

// CheckpointWAL copies the WAL into the database file and truncates it, so
// that no earlier version of a page (holding what was deleted) stays in
// the WAL. It reports false when a reader kept it from completing.
func (s *Store) CheckpointWAL(ctx context.Context) (bool, error) {
	var busy, logFrames, done int
	err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
	return busy == 0, wrap(err, "checkpoint")
}

// Retained is what Retain deleted.
type Retained struct {
	Excerpts, Cases, Held int
}

// Retain deletes what is older than t and not needed to keep followupd's
// promises: the excerpts and evidence of messages (the customers' words),
// resolved cases, and unverified owner mail kept whole.
func (t *Tx) Retain(before time.Time) (Retained, error) {
	var r Retained
	cut := unix(before)
	steps := []struct {
		n    *int
		q    string
		args []any
	}{
		{&r.Excerpts, `UPDATE messages SET excerpt = '', evidence = '' WHERE ingested < ? AND (excerpt <> '' OR evidence <> '')`, []any{cut}},
		{nil, `UPDATE followups SET case_id = NULL WHERE case_id IN (SELECT id FROM cases WHERE resolved <> 0 AND resolved < ?)`, []any{cut}},
		{&r.Cases, `DELETE FROM cases WHERE resolved <> 0 AND resolved < ?`, []any{cut}},
		{&r.Held, `DELETE FROM held_mail WHERE message_id IN (SELECT id FROM messages WHERE ingested < ?)`, []any{cut}},
		// What can no longer be approved leaves the review list.
		{nil, `UPDATE messages SET review = 0, skip_reason = 'not approved before [store] retention ran out; was: ' || skip_reason
			WHERE kind = ? AND review = 1 AND ingested < ?`, []any{core.KindUnverified, cut}},
	}
	for _, s := range steps {
		res, err := t.tx.ExecContext(t.ctx, s.q, s.args...)
		if err != nil {
			return r, fmt.Errorf("retention: %w", err)
		}
		if s.n != nil {
			n, _ := res.RowsAffected()
			*s.n = int(n)
		}
	}
	return r, nil
}
