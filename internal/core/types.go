package core

import "time"

// Customer is what followupd remembers about one address.
type Customer struct {
	ID           int64
	Email        string // lower-cased
	Name         string
	FirstContact time.Time
	LastContact  time.Time
	LastInbound  time.Time // they last wrote
	LastOwner    time.Time // the owner last answered them
	LastAuto     time.Time // followupd last sent them something
	FirstAuto    time.Time // followupd first sent them something; zero: never
	InboundSeq   int64     // the id of the newest message they wrote
	OwnerSeq     int64     // the id of the newest message by which the owner answered them
	Contacts     int
	Purchases    int
	VIP          bool
	OptedOut     time.Time // zero: not opted out
	OptOutWhy    string
	Bouncing     time.Time // zero: not bouncing
	BounceWhy    string
	// Language is the language they write in, "" until a confident
	// detection or the owner says; LanguageByOwner: the owner set it
	// (#lang:xx, followupd customer -lang), and detection no longer changes it.
	Language        Lang
	LanguageByOwner bool
}

// NewRecipient reports an address the shop never wrote to: neither
// followupd nor, as far as it knows, the owner.
func (c Customer) NewRecipient() bool {
	return c.FirstAuto.IsZero() && c.LastAuto.IsZero() && c.LastOwner.IsZero()
}

// FirstTime reports whether this is someone who wrote once and never bought.
func (c Customer) FirstTime() bool { return c.Contacts <= 1 && c.Purchases == 0 }

// Unreachable says why nothing may be sent to the customer, or "".
func (c Customer) Unreachable() string {
	switch {
	case !c.OptedOut.IsZero():
		return "the customer opted out"
	case !c.Bouncing.IsZero():
		return "the address bounces"
	}
	return ""
}

// Thread is the customer's message a follow-up answers.
type Thread struct {
	ID        int64  // the message's row; 0 when there is none
	MessageID string // its Message-ID header
	Subject   string
	Date      time.Time
	Category  Category
	Excerpt   string // the customer's own words, cut
}

// Followup is one follow-up: planned, waiting, sent or given up. A
// planned one (ID 0) carries what planning decided; one read from the
// store carries its customer and thread too.
type Followup struct {
	ID          int64
	CustomerID  int64
	TriggerKey  string // unique per event: "m:<message id>", "r:<case id>", "q:<customer id>:<unix>"
	Event       Event
	TriggerTime time.Time
	TriggerSeq  int64 // the newest message id at the trigger (the trigger message's own id)
	Sequence    string
	Step        int
	Template    string
	Recipient   Recipient
	Conditions  []Condition
	StopOnReply bool
	FirstTime   bool // the customer was first-time at the trigger
	Due         time.Time
	CaseID      int64 // the complaint it is about, if any

	// The state of a follow-up in the store.
	NotBefore     time.Time
	State         State
	Attempts      int
	SMTPMessageID string
	Variant       string
	LastError     string
	Created       time.Time
	Dot           time.Time // the final dot was about to be written; zero if not
	Sent          time.Time
	// Released: the owner let it go past the limits (followupd approve).
	Released bool

	Customer Customer
	Thread   Thread
}

// Case is a complaint being handled.
type Case struct {
	ID         int64
	CustomerID int64
	Email      string
	Name       string
	MessageID  int64 // the complaint that opened it
	Subject    string
	Opened     time.Time
	Resolved   time.Time // zero while open
	ResolvedBy Actor
	OwnerLast  time.Time // the owner last answered this customer
}

// Open reports whether the case is still open.
func (c Case) Open() bool { return c.Resolved.IsZero() }

// Contact is a customer's message that started a sequence, with the
// templates already sent for it: what an owner's correction of its
// reading works on.
type Contact struct {
	Message Thread
	Trigger string   // its trigger key
	Seq     int64    // its trigger sequence number
	Sent    []string // templates sent for it
}
