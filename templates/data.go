package templates

import (
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Data is everything a template can use. The daemon fills it from the store
// and the config; text that came from email is data, never template code,
// and is escaped in HTML and Markdown output.
type Data struct {
	Customer Customer
	Business Business
	Message  Message  // the customer's message that started the sequence
	Case     *Case    // the complaint this follow-up is about; nil when there is none
	Followup Followup // which sequence step is being sent
	// Unsubscribe is a mailto: address or URL where the customer can stop
	// these emails; customer-facing defaults print it in a footer line when
	// it is not empty.
	Unsubscribe string
	// Promise is what the business promised, such as "within 24 hours",
	// in the template's language; may be empty. Promised is the same as a
	// duration: when Promise is empty, rendering words it.
	Promise  string
	Promised time.Duration
	Digest   *Digest // the owner's daily digest; nil except for the digest template
	Surge    *Surge  // what the limits held back; nil except for the surge alert
	Now      time.Time
	// Lang is the language of the template being rendered ("" for a base
	// file, NAME.txt); set by rendering.
	Lang core.Lang
}

// Surge is what the limits held back in the last hour: follow-ups to
// addresses the shop never wrote to beyond new_recipients_per_hour (held
// for the owner), and alerts to the owner beyond owner_alerts_per_hour
// (rolled into this one). Held and RolledUp name the first few.
type Surge struct {
	Since                    time.Time
	Limit, AlertLimit        int
	HeldCount, RolledUpCount int
	Held, RolledUp           []SurgeItem
}

// SurgeItem is one follow-up a limit held back: its ID (for followupd
// approve), the customer and the message it answers.
type SurgeItem struct {
	ID                             int64
	Name, Email, Template, Subject string
}

// Customer is the recipient as followupd remembers them (Name, Email,
// VIP, Contacts, Purchases, Language, ...), and whether the message this
// answers was their first contact.
type Customer struct {
	core.Customer
	FirstTime bool // the message this follow-up answers was their first contact
}

// FirstName is the best guess at their first name; may be empty.
func (c Customer) FirstName() string { return FirstName(c.Name) }

// Repeat reports that they had written or bought before.
func (c Customer) Repeat() bool { return !c.FirstTime }

// Business is the sender.
type Business struct {
	Name       string
	OwnerName  string
	OwnerEmail string
	// Address is the shop address followupd reads and sends from: the one
	// the owner Bccs on replies. May be empty.
	Address string
}

// Message is the customer's message a follow-up answers.
type Message struct {
	Subject  string
	Date     time.Time
	From     string        // the sender as displayed: "Ana López <ana@example.com>"
	Text     string        // the customer's own words (an excerpt of at most 1000 characters), for the owner's alerts
	Category core.Category // how it was read: inquiry, complaint, ...
}

// Case is an open or resolved complaint (ID, Subject, Opened, Resolved
// zero while open, ...) and how long it has been open, "3 days", in the
// template's language.
type Case struct {
	core.Case
	Age string
}

// Followup says which step of which sequence is being sent.
type Followup struct {
	Sequence string
	Template string
	Step     int // 0 for the first step
}

// Digest is the owner's daily summary. Each list may be empty; a template
// shows a section only when its list is not.
type Digest struct {
	Date         time.Time
	NewCustomers []DigestCustomer
	OpenCases    []DigestCase
	Expiring     []DigestPromise // promises about to expire
	Feedback     []DigestFeedback
	Unattributed []DigestMessage // forwards whose customer could not be found
	// Unverified lists mail from the owner's address that could not be
	// verified as the owner's: it did nothing; followupd approve ID applies it.
	Unverified []DigestMessage
	// Suspect lists customer mail not answered because the receiving
	// server marked it as spam or its sender failed authentication.
	Suspect []DigestMessage
	// Unsure lists first contacts read with doubt: answered with the
	// neutral acknowledgement, shown here with the evidence so one tag
	// settles them. Unanswered lists first contacts that got nothing (no
	// sequence for what they were read as).
	Unsure     []DigestReading
	Unanswered []DigestReading
	Failed     []DigestFollowup
	InDoubt    []DigestFollowup // maybe sent: the connection dropped before the server confirmed
	Tomorrow   []DigestFollowup // planned for the next day
}

// Empty reports whether the digest has nothing to say: every list is empty.
// A nil digest is empty.
func (d *Digest) Empty() bool {
	return d == nil || len(d.NewCustomers)+len(d.OpenCases)+len(d.Expiring)+len(d.Feedback)+
		len(d.Unattributed)+len(d.Unverified)+len(d.Suspect)+len(d.Unsure)+len(d.Unanswered)+len(d.Failed)+len(d.InDoubt)+len(d.Tomorrow) == 0
}

// DigestCustomer is a customer who wrote for the first time.
type DigestCustomer struct {
	Name, Email string
	First       time.Time
	Category    core.Category
}

// DigestCase is an open complaint.
type DigestCase struct {
	ID                            int64
	Customer, Email, Subject, Age string
	Opened                        time.Time
	OwnerAnswered                 bool
}

// DigestPromise is a promise about to expire.
type DigestPromise struct {
	Customer, Email, Subject string
	Due                      time.Time
	Left                     string // time left, "3 hours" in the template's language; "" when overdue
	Overdue                  bool
}

// DigestFeedback is what a customer answered to a feedback request.
type DigestFeedback struct {
	Customer, Email string
	Rating          int // 1 to 5; 0 when they gave none
	Text            string
	Received        time.Time
}

// DigestMessage is a forwarded message whose customer could not be found.
type DigestMessage struct {
	ID            int64 // its number in followupd review
	Subject, From string
	Received      time.Time
	UID           uint32
	Why           string // why it is kept for the owner
}

// DigestReading is a customer's message as followupd read it: what it
// was read as, the evidence, and why it was not answered, if it was not.
type DigestReading struct {
	Customer, Email, Subject string
	Category                 core.Category // what it was read as, or answered as
	Evidence                 string        // the phrases that decided, "problem "arrived broken" +3.0; …"
	Why                      string        // for Unanswered: "no sequence for feedback"
	Received                 time.Time
}

// DigestFollowup is a follow-up that failed, is in doubt, or is planned.
type DigestFollowup struct {
	ID                               int64
	Customer, Email, Template, Error string
	When                             time.Time
}
