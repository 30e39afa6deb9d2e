package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Queue returns pending follow-ups (and any being sent), soonest first.
func (s *Store) Queue(ctx context.Context, limit int) ([]*core.Followup, error) {
	if limit <= 0 {
		limit = 1000
	}
	return s.followups(ctx, ` WHERE f.state IN ('pending', 'sending') ORDER BY f.not_before, f.id LIMIT ?`, limit)
}

// FollowupsByState returns follow-ups in one state, newest first.
func (s *Store) FollowupsByState(ctx context.Context, state core.State, limit int) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = ? ORDER BY f.id DESC LIMIT ?`, state, limit)
}

// MessageSummary is one recorded message, as timelines show it.
type MessageSummary struct {
	ID         int64
	UID        uint32
	Kind       core.Kind
	Category   core.Category
	Rule       string
	Tags       []string
	Subject    string
	From       string
	Date       time.Time
	Arrived    time.Time
	Ingested   time.Time
	SkipReason string
	Error      string
	Review     bool
	Excerpt    string
	Language   core.Lang
	Unsure     bool
	Evidence   string // JSON
	Unanswered string
	// The customer it is about, if any.
	CustomerEmail, CustomerName string
}

const messageSummarySelect = `SELECT m.id, m.uid, m.kind, m.category, m.rule, m.tags, m.subject, m.from_addr, m.date, m.arrived, m.ingested,
	m.skip_reason, m.error, m.review, m.excerpt, m.language, m.unsure, m.evidence, m.unanswered, COALESCE(c.email, ''), COALESCE(c.name, '')
	FROM messages m LEFT JOIN customers c ON c.id = m.customer_id`

func (s *Store) messages(ctx context.Context, where string, args ...any) ([]MessageSummary, error) {
	rows, err := s.db.QueryContext(ctx, messageSummarySelect+where, args...)
	return collect(rows, err, "messages", func(r rowScanner) (MessageSummary, error) {
		var m MessageSummary
		var tags string
		var date, arrived, ingested int64
		var review, unsure int
		err := r.Scan(&m.ID, &m.UID, &m.Kind, &m.Category, &m.Rule, &tags, &m.Subject, &m.From, &date, &arrived, &ingested,
			&m.SkipReason, &m.Error, &review, &m.Excerpt, &m.Language, &unsure, &m.Evidence, &m.Unanswered, &m.CustomerEmail, &m.CustomerName)
		m.Tags = strings.Fields(tags)
		m.Date, m.Arrived, m.Ingested = fromUnix(date), fromUnix(arrived), fromUnix(ingested)
		m.Review, m.Unsure = review != 0, unsure != 0
		return m, err
	})
}

// ForReview returns messages kept for the owner's review (forwards whose
// customer could not be found), oldest first.
func (s *Store) ForReview(ctx context.Context) ([]MessageSummary, error) {
	return s.messages(ctx, ` WHERE m.review = 1 ORDER BY m.id`)
}

// Timeline is everything followupd knows about one customer.
type Timeline struct {
	Customer  core.Customer
	Messages  []MessageSummary
	Followups []*core.Followup
	Cases     []*core.Case
	Feedback  []Feedback
}

// CustomerTimeline returns the customer's messages, follow-ups, cases and
// feedback, oldest first.
func (s *Store) CustomerTimeline(ctx context.Context, email string) (*Timeline, error) {
	c, err := s.Customer(ctx, email)
	if err != nil {
		return nil, err
	}
	t := &Timeline{Customer: c}
	if t.Messages, err = s.messages(ctx, ` WHERE m.customer_id = ? ORDER BY m.id`, c.ID); err != nil {
		return nil, err
	}
	if t.Followups, err = s.followups(ctx, ` WHERE f.customer_id = ? ORDER BY f.due, f.id`, c.ID); err != nil {
		return nil, err
	}
	if t.Cases, err = s.cases(ctx, "cases", ` WHERE k.customer_id = ? ORDER BY k.id`, c.ID); err != nil {
		return nil, err
	}
	if t.Feedback, err = s.feedback(ctx, ` WHERE f.customer_id = ? ORDER BY f.id`, c.ID); err != nil {
		return nil, err
	}
	return t, nil
}

// FeedbackSince returns feedback received at or after t.
func (s *Store) FeedbackSince(ctx context.Context, t time.Time) ([]Feedback, error) {
	return s.feedback(ctx, ` WHERE f.received >= ? ORDER BY f.id`, unix(t))
}

func (s *Store) feedback(ctx context.Context, where string, args ...any) ([]Feedback, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.id, f.customer_id, c.email, c.name, f.message_id, COALESCE(f.followup_id, 0), f.rating, f.text, f.received
		FROM feedback f JOIN customers c ON c.id = f.customer_id`+where, args...)
	return collect(rows, err, "read feedback", func(r rowScanner) (Feedback, error) {
		var f Feedback
		var received int64
		err := r.Scan(&f.ID, &f.CustomerID, &f.Email, &f.Name, &f.MessageID, &f.FollowupID, &f.Rating, &f.Text, &received)
		f.Received = fromUnix(received)
		return f, err
	})
}

// NewCustomersSince returns customers first seen at or after t.
func (s *Store) NewCustomersSince(ctx context.Context, t time.Time) ([]core.Customer, error) {
	return s.customers(ctx, "new customers", ` WHERE c.first_contact >= ? AND c.contacts > 0 ORDER BY c.first_contact`, unix(t))
}

// customers runs a query over customers; what names it in errors.
func (s *Store) customers(ctx context.Context, what, where string, args ...any) ([]core.Customer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers c`+where, args...)
	return collect(rows, err, what, scanCustomer)
}

// DueBetween returns pending follow-ups ready in [from, to).
func (s *Store) DueBetween(ctx context.Context, from, to time.Time) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = 'pending' AND f.not_before >= ? AND f.not_before < ? ORDER BY f.not_before`, unix(from), unix(to))
}

// QuietKey is the trigger key of a customer's silence since lastContact:
// one silence starts a quiet sequence once.
func QuietKey(customerID int64, lastContact time.Time) string {
	return fmt.Sprintf("q:%d:%d", customerID, unix(lastContact))
}

// QuietCustomers returns customers whose last contact was before t, who
// may still be written to, and whose current silence has not started the
// sequence yet, at most limit of them, longest silent first.
func (s *Store) QuietCustomers(ctx context.Context, sequence string, before time.Time, limit int) ([]core.Customer, error) {
	return s.customers(ctx, "quiet customers", `
		WHERE c.last_contact < ? AND c.opted_out = 0 AND c.bouncing = 0 AND c.contacts > 0
		AND NOT EXISTS (SELECT 1 FROM followups f WHERE f.trigger_key = 'q:' || c.id || ':' || c.last_contact AND f.sequence = ?)
		ORDER BY c.last_contact LIMIT ?`, unix(before), sequence, limit)
}

// FollowupsInStateSince returns follow-ups in state whose last claim was
// at or after t (failed and in-doubt ones new since the last digest).
func (s *Store) FollowupsInStateSince(ctx context.Context, state core.State, t time.Time, limit int) ([]*core.Followup, error) {
	return s.followups(ctx, ` WHERE f.state = ? AND f.claimed >= ? ORDER BY f.id LIMIT ?`, state, unix(t), limit)
}

// ForReviewSince returns messages kept for review that arrived at or after t.
func (s *Store) ForReviewSince(ctx context.Context, t time.Time) ([]MessageSummary, error) {
	return s.messages(ctx, ` WHERE m.review = 1 AND m.ingested >= ? ORDER BY m.id`, unix(t))
}

// AttentionSince returns the messages recorded at or after t that the
// owner should look at: read with doubt (answered neutrally), or first
// contacts that got no answer at all; at most limit, oldest first.
func (s *Store) AttentionSince(ctx context.Context, t time.Time, limit int) ([]MessageSummary, error) {
	return s.messages(ctx, ` WHERE (m.unsure = 1 OR m.unanswered <> '') AND m.ingested >= ? ORDER BY m.id LIMIT ?`, unix(t), limit)
}
