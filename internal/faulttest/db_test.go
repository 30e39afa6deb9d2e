package faulttest

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// The database, read-only, while the daemon runs or after it stopped.

type msgRow struct {
	ID    int64
	MsgID string // header Message-ID, no brackets
	From  string
	Kind  string
}

type followupRow struct {
	ID       int64
	State    string
	MsgID    string // the follow-up's own Message-ID
	Customer string
	Trigger  string // the Message-ID of the message it answers
	Attempts int
	Dot      int64
	Error    string
}

type snapshot struct {
	Checkpoint bool
	Messages   []msgRow
	Followups  []followupRow
}

// snap reads the database read-only; it fails (without failing the test)
// while the database does not exist yet.
func (e *env) snap() (*snapshot, error) {
	if _, err := os.Stat(e.dbPath); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "5000")
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(e.dbPath)+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	tx, err := db.Begin() // one consistent view
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s := &snapshot{}
	var n int
	if err := tx.QueryRow(`SELECT COUNT(*) FROM checkpoints`).Scan(&n); err != nil {
		return nil, err
	}
	s.Checkpoint = n > 0
	rows, err := tx.Query(`SELECT id, header_msgid, from_addr, kind FROM messages ORDER BY id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m msgRow
		if err := rows.Scan(&m.ID, &m.MsgID, &m.From, &m.Kind); err != nil {
			rows.Close()
			return nil, err
		}
		s.Messages = append(s.Messages, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(`SELECT f.id, f.state, f.smtp_message_id, c.email, COALESCE(m.header_msgid, ''), f.attempts, f.dot, f.last_error
		FROM followups f JOIN customers c ON c.id = f.customer_id LEFT JOIN messages m ON m.id = f.thread_id ORDER BY f.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var f followupRow
		if err := rows.Scan(&f.ID, &f.State, &f.MsgID, &f.Customer, &f.Trigger, &f.Attempts, &f.Dot, &f.Error); err != nil {
			return nil, err
		}
		s.Followups = append(s.Followups, f)
	}
	return s, rows.Err()
}

// countMessages returns how many messages the database holds (0 before
// it exists).
func (e *env) countMessages() int {
	if _, err := os.Stat(e.dbPath); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite3", "file:"+url.PathEscape(e.dbPath)+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	if db.QueryRow(`SELECT COUNT(*) FROM messages`).Scan(&n) != nil {
		return 0
	}
	return n
}

// mustSnap is snap for the final checks.
func (e *env) mustSnap() *snapshot {
	e.t.Helper()
	s, err := e.snap()
	if err != nil {
		e.t.Fatalf("read the database: %v", err)
	}
	return s
}

// waitConnected waits until the daemon has recorded its first checkpoint
// and logged an IMAP connection: from then on new mail gets follow-ups
// (mail already there at the first start is history).
func (e *env) waitConnected(p *proc) {
	e.t.Helper()
	waitUntil(e.t, 20*time.Second, "the daemon connects to IMAP", func() (bool, string) {
		if p != nil && p.exited() {
			e.t.Fatalf("followupd exited: %v", p.err)
		}
		s, err := e.snap()
		if err != nil {
			return false, err.Error()
		}
		return s.Checkpoint && e.countLog("imap connected") > 0, "no checkpoint or no \"imap connected\" log line yet"
	})
}

// answered reports whether every inquiry in qs has been ingested and
// answered (its follow-up sent), and no follow-up is waiting or sending.
func (s *snapshot) answered(qs []inquiry) (bool, string) {
	have := map[string]bool{}
	for _, m := range s.Messages {
		have[m.MsgID] = true
	}
	sent := map[string]bool{}
	for _, f := range s.Followups {
		switch f.State {
		case "pending", "sending":
			return false, fmt.Sprintf("follow-up %d to %s is %s (attempts %d, %s)", f.ID, f.Customer, f.State, f.Attempts, f.Error)
		case "sent":
			sent[f.Trigger] = true
		}
	}
	for _, q := range qs {
		if !have[q.MsgID] {
			return false, fmt.Sprintf("%s not ingested (%d messages in the database)", q.MsgID, len(s.Messages))
		}
		if !sent[q.MsgID] {
			return false, fmt.Sprintf("%s not answered", q.MsgID)
		}
	}
	return true, ""
}

// waitAnswered waits, bounded, until every inquiry in qs is answered.
func (e *env) waitAnswered(bound time.Duration, qs []inquiry) {
	e.t.Helper()
	waitUntil(e.t, bound, fmt.Sprintf("%d inquiries answered", len(qs)), func() (bool, string) {
		s, err := e.snap()
		if err != nil {
			return false, err.Error()
		}
		return s.answered(qs)
	})
}
