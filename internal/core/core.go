// Package core is followupd's vocabulary, defined once: the typed values
// every other package speaks (kinds of message, categories, events,
// recipients, a follow-up's conditions, actions and states, languages) and
// the three things followupd remembers (Customer, Followup, Case).
//
// config validates against these constants, the store maps them to its
// columns, rules decides in them, templates and the CLI print them.
// Nobody else spells "complaint" or "owner" as a string: a test fails
// when a vocabulary literal appears outside this package.
package core

// Kind is what a message is, as far as who wrote it and why.
type Kind string

// Kinds of message.
const (
	KindCustomer     Kind = "customer"      // a customer wrote to the business
	KindReply        Kind = "reply"         // a customer answered one of our follow-ups
	KindForward      Kind = "forward"       // the owner forwarded a customer's mail
	KindOwnerReply   Kind = "owner-reply"   // the owner answered a customer and Bcc'd or Cc'd us
	KindOwnerCommand Kind = "owner-command" // the owner's tags naming customers: "#resolved ana@example.com"
	KindUnattributed Kind = "unattributed"  // an owner forward whose customer could not be found
	KindOwner        Kind = "owner"         // other mail from the owner
	// KindUnverified is mail from the owner's address that would act (a
	// forward, a reply, a command) but is not proven the owner's: it acts
	// on nothing until the owner approves it.
	KindUnverified Kind = "unverified-owner"
	// KindSuspect is mail the receiving server marked as spam, or whose
	// sender failed its authentication: never answered.
	KindSuspect   Kind = "suspect"
	KindBounce    Kind = "bounce"    // a delivery failure report
	KindAuto      Kind = "auto"      // written by a machine, or must not be answered
	KindSelf      Kind = "self"      // sent by followupd's own address
	KindMalformed Kind = "malformed" // could not be parsed or recorded; left in the mailbox
	KindOptOut    Kind = "optout"    // a List-Unsubscribe request
)

// Category is what a customer's message means.
type Category string

// Categories of customer mail.
const (
	Inquiry   Category = "inquiry"   // asks how things work, what is available, what it costs
	Purchase  Category = "purchase"  // orders or books something
	Complaint Category = "complaint" // something went wrong with their order, delivery, bill or service
	Feedback  Category = "feedback"  // thanks, praise, suggestions, or an answer to a feedback request
	Other     Category = "other"     // none of these
)

// Categories lists every category, in the order a person would name them.
var Categories = []Category{Inquiry, Purchase, Complaint, Feedback, Other}

// Valid reports whether c is a known category.
func (c Category) Valid() bool { return contains(Categories, c) }

// Event is what starts a sequence: a category of customer mail, a
// resolved complaint, or a customer gone quiet.
type Event string

// Events.
const (
	EventInquiry         = Event(Inquiry)
	EventPurchase        = Event(Purchase)
	EventComplaint       = Event(Complaint)
	EventFeedback        = Event(Feedback)
	EventOther           = Event(Other)
	EventResolved  Event = "resolved" // the owner resolved the customer's complaint
	EventQuiet     Event = "quiet"    // no contact for the sequence's quiet_after
)

// Events lists every event a sequence may start on.
var Events = []Event{EventInquiry, EventPurchase, EventComplaint, EventFeedback, EventOther, EventResolved, EventQuiet}

// Valid reports whether e is a known event.
func (e Event) Valid() bool { return contains(Events, e) }

// Event is the event a message of category c starts.
func (c Category) Event() Event { return Event(c) }

// CaseMail reports whether follow-ups of e handle a complaint (the apology,
// the satisfaction check), which an open case does not hold back.
func (e Event) CaseMail() bool { return e == EventComplaint || e == EventResolved }

// Recipient is who a follow-up goes to.
type Recipient string

// Recipients.
const (
	ToCustomer Recipient = "customer"
	ToOwner    Recipient = "owner"
)

// Recipients lists every recipient.
var Recipients = []Recipient{ToCustomer, ToOwner}

// Valid reports whether r is a known recipient.
func (r Recipient) Valid() bool { return contains(Recipients, r) }

// Condition is what must hold, when a step falls due, for it to be sent.
type Condition string

// Conditions of a sequence step (`when`).
const (
	IfFirstTime    Condition = "first-time"    // the customer was new at the trigger
	IfRepeat       Condition = "repeat"        // the customer had written or bought before
	IfVIP          Condition = "vip"           // the owner marked them VIP
	IfNoReply      Condition = "no-reply"      // the customer has not written since the trigger
	IfOwnerSilent  Condition = "owner-silent"  // the owner has not answered since the trigger
	IfCaseOpen     Condition = "case-open"     // the complaint is still open
	IfCaseResolved Condition = "case-resolved" // the complaint is resolved
)

// Conditions lists every condition.
var Conditions = []Condition{IfFirstTime, IfRepeat, IfVIP, IfNoReply, IfOwnerSilent, IfCaseOpen, IfCaseResolved}

// Valid reports whether c is a known condition.
func (c Condition) Valid() bool { return contains(Conditions, c) }

// Action is what to do with a follow-up that fell due.
type Action string

// Actions.
const (
	Send   Action = "send"
	Wait   Action = "wait"   // not now: try again later
	Skip   Action = "skip"   // not at all: a condition did not hold, or it is too late
	Cancel Action = "cancel" // not at all: the customer opted out, bounces or replied
	// Hold keeps it for the owner: a limit that an attack meets and a
	// shop's day does not (new recipients per hour) was reached.
	Hold Action = "hold"
)

// State is where a follow-up is in its life.
type State string

// Follow-up states.
const (
	Pending   State = "pending"   // waiting for its time
	Sending   State = "sending"   // claimed: an SMTP attempt is (or was) under way
	Sent      State = "sent"      // the SMTP server accepted it
	Failed    State = "failed"    // given up: permanent error or retries exhausted
	Cancelled State = "cancelled" // no longer wanted (opt-out, reply, owner, bounce)
	Skipped   State = "skipped"   // its conditions did not hold when due, or too late
	Doubt     State = "doubt"     // a send was interrupted: it may or may not have gone out
	Held      State = "held"      // kept by a limit until the owner releases it (followupd approve)
	Expired   State = "expired"   // held, and not released within a day: never sent
)

// States lists every follow-up state.
var States = []State{Pending, Sending, Sent, Failed, Cancelled, Skipped, Doubt, Held, Expired}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return contains(States, s) }

// Actor is who did something to a customer: the owner by a tag in mail,
// on the command line, by answering, or followupd by itself.
type Actor string

// Actors.
const (
	ByTag        Actor = "tag"         // an owner tag in mail (#resolved, #complaint)
	ByCommand    Actor = "command"     // the followupd command line
	ByOwnerReply Actor = "owner-reply" // the owner's own answer to the customer
)

// Asks is what a template asks the customer for, so that their answer is
// read as such.
type Asks string

// What templates ask for.
const (
	AsksNothing Asks = ""
	AsksRating  Asks = "rating" // a 1-5 rating or a few words: the answer is feedback
)

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Tag is an owner tag with a meaning, written "#name" in mail. The
// categories are tags too (#complaint, #inquiry, ...): they set or
// correct the reading.
type Tag string

// Owner tags.
const (
	TagResolved Tag = "resolved" // the customer's complaint is resolved
	TagStop     Tag = "stop"     // opt the customer out for good
	TagVIP      Tag = "vip"      // mark them VIP
	TagIgnore   Tag = "ignore"   // do not answer this forward
	TagLang     Tag = "lang"     // #lang:xx sets the customer's language
)
