package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// MessageRecord is one message as the ingest records it.
type MessageRecord struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	Key         string // Message-ID, or a content hash when there is none
	HeaderMsgID string
	CustomerID  int64 // 0: none (skipped, unattributed)
	Kind        core.Kind
	Category    core.Category
	Rule        string
	Tags        []string
	Subject     string
	From        string
	Excerpt     string // the start of the customer's own words
	Date        time.Time
	Arrived     time.Time
	History     bool
	SkipReason  string
	Error       string
	Review      bool
	FollowupID  int64 // the follow-up it replies to, 0 if none
	// How the customer's words were read: their language, whether the
	// reading was unsure, its evidence (JSON), and why a first contact
	// got no answer at all.
	Language   core.Lang
	Unsure     bool
	Evidence   string
	Unanswered string
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

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// InsertMessage records a message and returns its id.
func (t *Tx) InsertMessage(m MessageRecord) (int64, error) {
	kind := m.Kind
	if kind == "" {
		kind = core.KindCustomer
	}
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO messages(mailbox, uidvalidity, uid, message_key, header_msgid,
		customer_id, kind, category, rule, tags, subject, from_addr, excerpt, date, arrived, ingested, history, skip_reason, error,
		review, followup_id, language, unsure, evidence, unanswered)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Mailbox, m.UIDValidity, m.UID, m.Key, m.HeaderMsgID, nullID(m.CustomerID), kind, m.Category, m.Rule,
		strings.Join(m.Tags, " "), m.Subject, m.From, m.Excerpt, unix(m.Date), unix(m.Arrived), unix(t.now), b2i(m.History),
		m.SkipReason, m.Error, b2i(m.Review), nullID(m.FollowupID), m.Language, b2i(m.Unsure), m.Evidence, m.Unanswered)
	if err != nil {
		return 0, fmt.Errorf("record message uid %d: %w", m.UID, err)
	}
	return res.LastInsertId()
}

// FollowupByMessageID finds the follow-up whose Message-ID is one of ids
// (a reply's In-Reply-To and References, newest last); the newest match
// wins. It returns nil when none is ours.
func (t *Tx) FollowupByMessageID(ids []string) (*core.Followup, error) {
	for i := len(ids) - 1; i >= 0; i-- {
		id := strings.Trim(strings.TrimSpace(ids[i]), "<>")
		if id == "" {
			continue
		}
		f, err := scanFollowup(t.tx.QueryRowContext(t.ctx, followupSelect+` WHERE f.smtp_message_id = ? AND f.smtp_message_id <> ''`, id))
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up follow-up by message id: %w", err)
		}
		return f, nil
	}
	return nil, nil
}

// OwnerThread reports whether one of ids (a message's In-Reply-To and
// References) is a message the owner wrote to a customer (a Bcc'd reply):
// an answer to it continues the owner's conversation.
func (t *Tx) OwnerThread(ids []string) (bool, error) {
	for _, id := range ids {
		id = strings.Trim(strings.TrimSpace(id), "<>")
		if id == "" {
			continue
		}
		var n int
		err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM messages WHERE message_key = ? AND kind = ?`, id, core.KindOwnerReply).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("look up thread: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Feedback is a customer's answer to a feedback or satisfaction request.
type Feedback struct {
	ID         int64
	CustomerID int64
	Email      string
	Name       string
	MessageID  int64
	FollowupID int64
	Rating     int // 1-5, 0 = none given
	Text       string
	Received   time.Time
}

// AddFeedback records feedback.
func (t *Tx) AddFeedback(f Feedback) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, `INSERT INTO feedback(customer_id, message_id, followup_id, rating, text, received)
		VALUES (?, ?, ?, ?, ?, ?)`, f.CustomerID, f.MessageID, nullID(f.FollowupID), f.Rating, f.Text, unix(t.now))
	if err != nil {
		return 0, fmt.Errorf("record feedback: %w", err)
	}
	return res.LastInsertId()
}
