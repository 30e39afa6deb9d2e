package rules

import (
	"slices"
	"strings"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/inbox/authn"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/meaning"
)

// Facts are what the caller found out about a message before asking.
type Facts struct {
	// Replied is the follow-up the message answers (its In-Reply-To or
	// References name one we sent); nil if none.
	Replied *core.Followup
	// OwnerThread: it answers a reply the owner wrote to a customer and
	// copied to us; the customer is continuing the owner's conversation.
	OwnerThread bool
	// Unsubscribe is the address a valid List-Unsubscribe token in the
	// subject names; "" when there is none.
	Unsubscribe string
	// History: the message was in the mailbox before followupd's first
	// start; it is remembered, and starts nothing.
	History bool
	// At is when it is recorded: the trigger time of what it starts.
	At time.Time
	// Reading is the message as Read read it ahead, if it was.
	Reading *Reading
	// DKIM are the message's DKIM signatures, verified by the caller
	// when the Reading asked for them (WantsDKIM); nil if not.
	DKIM []authn.Signature
	// Approved says how the owner approved mail from their address that
	// could not be verified (followupd approve); "" if they did not.
	Approved string
	// Bounced is the follow-up a delivery failure report returns (found
	// by the Message-IDs it quotes, Reading.Returned); nil if none.
	Bounced *core.Followup
}

// Known is what the store knows, as Decide asks for it.
type Known interface {
	// Customer returns what is known of an address; ok is false for an
	// address never seen.
	Customer(email string) (c core.Customer, ok bool, err error)
	// OpenCase returns the customer's open complaint, or nil.
	OpenCase(customerID int64) (*core.Case, error)
	// Latest returns the customer's newest message that started
	// something, and the templates already sent for it; nil if none.
	Latest(customerID int64) (*core.Contact, error)
	// Forgotten reports an address whose customer asked to be forgotten
	// (followupd forget).
	Forgotten(email string) (bool, error)
}

// Decision is the whole of what a message means and does.
type Decision struct {
	Kind     core.Kind
	Customer inbox.Address // who it is about; empty for machine mail
	Subject  string        // the customer's subject (the original one in a forward)
	Text     string        // the customer's own words, quotes and signature removed
	ThreadID string        // the customer's Message-ID to answer in the thread, if known
	Date     time.Time     // when the customer wrote it (a forward's original date)

	Category core.Category
	Rule     string // what set the category: an owner rule, an owner tag, "built-in reading", ...
	Unsure   bool   // the evidence was close: answered neutrally, shown to the owner
	Evidence []meaning.Evidence
	Language core.Lang // of the customer's words, "" if not known
	// LanguageSure: detected with confidence (the customer's language may
	// be updated from it).
	LanguageSure bool
	Tags         meaning.Tags // the owner's tags and the matching rules' tags
	Rating       int          // 1-5 when the customer gave one
	Feedback     bool         // an answer to a follow-up that asked for a rating
	OptOut       bool         // the customer asks to hear no more
	Bounce       *inbox.Bounce

	// Skip says why nothing may answer the message; "" if it may be.
	Skip string
	// Review: kept for the owner to look at (a forward whose customer
	// could not be found, unverified owner mail).
	Review bool
	// Owner is how mail from the owner's address was verified; nil for
	// other mail. Unverified mail that would act is of kind
	// KindUnverified, and Would says what it would be.
	Owner *Verification
	Would core.Kind

	// Acts say what the message does to each customer it names, in order.
	Acts []Act
	// Forgotten: the sender asked to be forgotten; the message is kept
	// without their address or words, and does nothing.
	Forgotten bool
}

// Act is what a message does to one customer.
type Act struct {
	Customer inbox.Address
	// Contact: record the message as theirs (they wrote it, or the owner
	// forwarded what they wrote), counting a contact; Inbound also stops
	// their sequences that stop on a reply.
	Contact bool
	Inbound bool
	// OwnerAnswered: the owner answered them (a Bcc'd reply, #resolved).
	OwnerAnswered bool
	Purchase      bool      // count a purchase
	VIP           bool      // mark them VIP
	Language      core.Lang // set their language
	LanguageOwner bool      // the owner set it: detection leaves it alone from now on
	OptOut        string    // opt them out, for this reason
	Bouncing      string    // mark the address as bouncing, for this reason
	// Resolve resolves their open complaint; nil when the message does not.
	Resolve  *Resolution
	Feedback bool // record the message as their feedback (with Decision.Rating)
	// Event is what the message starts for them, and Plan the follow-ups
	// of it (trigger keys, message and case ids are the caller's to fill).
	Event core.Event
	Plan  []core.Followup
	// OpenCase: a complaint opens a case (the plan is about it); JoinCase:
	// it joins the case already open, and plans nothing new.
	OpenCase bool
	JoinCase int64
	// Reclassify is the owner's correction of the reading of their newest
	// message (#complaint ana@…, followupd reclassify).
	Reclassify *Reclassification
	// Notes say, for the log, what was decided and why, including why
	// nothing was planned; Unanswered is set when a first contact gets
	// no answer at all (it goes in the owner's digest).
	Notes      []string
	Unanswered string
	// Blocked lists the follow-ups not planned because the customer
	// cannot be reached, the reason in LastError.
	Blocked []core.Followup
	// Why says why the message starts nothing, when it does not.
	Why string
}

// Resolution is the resolving of a customer's open complaint, by the
// owner: the case, and what its resolution starts (the satisfaction check).
type Resolution struct {
	By      core.Actor
	Case    *core.Case // nil: they have no open case (a note says so)
	Plan    []core.Followup
	Blocked []core.Followup
}

// Has reports whether the owner tagged the message with t.
func (d Decision) Has(t core.Tag) bool { return d.Tags.Has(t) }

func (a *Act) note(s string) { a.Notes = append(a.Notes, s) }

// Reading is what a message says, read without the store: who wrote it
// and why, the customer's own words and what they mean. It is the costly
// part of a decision, and pure, so it may be made ahead of it: the daemon
// reads a batch on every core before the batch's transaction.
type Reading struct {
	msg     *inbox.Message
	d       Decision        // all but what depends on the store
	targets []inbox.Address // the customers an owner's reply or command names
	by      core.Actor      // how the owner acts on them
}

// Read reads m. Decide reads it itself when not given the Reading.
func (p *Policy) Read(m *inbox.Message) *Reading {
	r := &Reading{msg: m, d: Decision{Subject: m.Subject, Date: m.Date, ThreadID: m.MessageID}}
	d := &r.d
	from := m.From.Key()
	switch {
	case from == "":
		d.Kind, d.Skip = core.KindAuto, "no sender address"
		return r
	case p.isSelf(from):
		d.Kind, d.Skip = core.KindSelf, "sent by followupd's own address"
		return r
	}
	if b, ok := inbox.ParseBounce(m); ok {
		d.Kind, d.Skip, d.Bounce = core.KindBounce, "a delivery failure report (bounce)", b
		return r
	}
	// Machines first: an auto-reply from the owner's address (their
	// out-of-office) is no command.
	if why := inbox.AutoReason(m); why != "" {
		d.Kind, d.Skip = core.KindAuto, why
		return r
	}
	if p.isOwner(from) || p.anyForwarder && forwardedByOther(m) {
		p.readOwner(r)
		v := p.trust.verifyByHeaders(m, from)
		r.d.Owner = &v
		return r
	}
	if why := p.trust.suspect(m); why != "" {
		// Never answered, and never allowed to change what is known of
		// the address it claims: recorded for the owner to see.
		d.Kind, d.Customer, d.Skip = core.KindSuspect, m.From, why
		return r
	}
	d.Kind, d.Customer = core.KindCustomer, m.From
	d.Text = inbox.OwnText(m.Text)
	d.OptOut = meaning.WantsOptOut(m.Subject, d.Text)
	// An answer to mail the shop sent: "Re: Your order has shipped" is
	// the shop's own words, though it says what the answer is about.
	subject, replied := splitSubject(d.Subject, answers(m))
	p.read(d, m, subject, replied, contentLanguage(m))
	return r
}

// ownerActs reports mail from the owner's address that would act: a
// forward, a reply to customers or a command.
func (r *Reading) ownerActs() bool {
	switch r.d.Kind {
	case core.KindForward, core.KindOwnerReply, core.KindOwnerCommand:
		return r.d.Owner != nil
	}
	return false
}

// Returned is the Message-IDs a delivery failure report returns: the
// caller looks up the follow-up among them (Facts.Bounced).
func (r *Reading) Returned() []string {
	if r == nil || r.d.Bounce == nil {
		return nil
	}
	return r.d.Bounce.Returned
}

// WantsDKIM reports that the message's DKIM signatures may verify it:
// mail from the owner's address that would act, not verified by the
// headers of the shop's own server, and signed. The caller verifies the
// signatures against DNS and passes them to Decide (Facts.DKIM).
func (r *Reading) WantsDKIM() bool {
	return r != nil && r.ownerActs() && !r.d.Owner.Verified && authn.Count(r.msg.Header, "DKIM-Signature") > 0
}

// Decide decides what message m means and does: f.Reading if it was read
// ahead (by Read), else read now, completed with what the store knows.
// Errors come only from k.
func (p *Policy) Decide(m *inbox.Message, f Facts, k Known) (Decision, error) {
	d, err := p.decide(m, f, k)
	if err != nil {
		return d, err
	}
	return forget(d, k)
}

// forget keeps a message from doing anything to an address that was
// forgotten at its owner's request, and, when its customer wrote it, from
// keeping their address or words.
func forget(d Decision, k Known) (Decision, error) {
	if d.Customer.Email != "" && (d.Kind == core.KindCustomer || d.Kind == core.KindReply || d.Kind == core.KindForward || d.Kind == core.KindSuspect) {
		gone, err := k.Forgotten(d.Customer.Key())
		if err != nil || gone {
			d = Decision{Kind: d.Kind, Date: d.Date, Forgotten: true,
				Skip: "from an address forgotten at its owner's request (followupd forget): nothing kept, nothing sent"}
			return d, err
		}
	}
	acts := d.Acts[:0]
	for _, a := range d.Acts {
		gone, err := k.Forgotten(a.Customer.Key())
		if err != nil {
			return d, err
		}
		if !gone {
			acts = append(acts, a)
		}
	}
	d.Acts = acts
	return d, nil
}

func (p *Policy) decide(m *inbox.Message, f Facts, k Known) (Decision, error) {
	r := f.Reading
	if r == nil || r.msg != m {
		r = p.Read(m)
	}
	d := r.d
	d.Tags = slices.Clone(d.Tags)
	if r.ownerActs() && !d.Owner.Verified {
		v := *d.Owner
		switch {
		case f.Approved != "":
			v.Verified, v.By, v.Why = true, f.Approved, ""
		case len(f.DKIM) > 0:
			if ok, how := verifyByDKIM(m, m.From.Key(), f.DKIM, f.At); ok {
				v.Verified, v.By, v.Why = true, how, ""
			} else {
				v.Why += "; " + how
			}
		case !r.WantsDKIM():
			v.Why += "; no DKIM signature"
		default:
			v.Why += "; its DKIM signature was not checked"
		}
		d.Owner = &v
		if !v.Verified {
			d.Would, d.Kind, d.Review = d.Kind, core.KindUnverified, true
			d.Skip = "unverified owner mail (" + string(d.Would) + "): " + v.Why
			return d, nil
		}
	}
	if f.Unsubscribe != "" {
		d = Decision{Subject: m.Subject, Date: m.Date, ThreadID: m.MessageID, Kind: core.KindOptOut, Skip: "unsubscribe request"}
		d.Acts = []Act{{Customer: inbox.Address{Email: f.Unsubscribe}, OptOut: "List-Unsubscribe"}}
		return d, nil
	}
	switch d.Kind {
	case core.KindBounce:
		acts, err := bounceActs(d.Bounce, f, k)
		if err != nil {
			return d, err
		}
		d.Acts = acts
	case core.KindOwnerReply, core.KindOwnerCommand:
		for _, c := range r.targets {
			a, err := p.ownerAct(d, c, r.by, f, k)
			if err != nil {
				return d, err
			}
			d.Acts = append(d.Acts, a)
		}
	case core.KindCustomer, core.KindForward:
		if d.Kind == core.KindCustomer && (f.Replied != nil || f.OwnerThread) {
			d.Kind = core.KindReply
		}
		if f.Replied != nil && p.AsksFor(f.Replied.Sequence, f.Replied.Step, f.Replied.Template) == core.AsksRating {
			d.Feedback = true
			d.Rating = meaning.ParseRating(d.Text)
			if d.Category != core.Complaint {
				d.Category, d.Rule, d.Unsure = core.Feedback, "answer to "+f.Replied.Template, false
			}
		}
		a, err := p.customerAct(&d, f, k)
		if err != nil {
			return d, err
		}
		d.Acts = []Act{a}
	}
	return d, nil
}

// customerAct decides what a customer's own message (written, replied or
// forwarded by the owner) does to them.
func (p *Policy) customerAct(d *Decision, f Facts, k Known) (Act, error) {
	a := Act{Customer: d.Customer, Contact: true}
	c, known, err := k.Customer(d.Customer.Key())
	if err != nil {
		return a, err
	}
	first := !known || c.Contacts == 0 && c.Purchases == 0
	if d.Category == core.Other && first && d.Rule == ruleBuiltIn {
		// Every first contact is a future customer: answer it.
		d.Category, d.Rule = core.Inquiry, ruleFirstContact
	}
	a.Purchase = d.Category == core.Purchase
	a.VIP = d.Has(core.TagVIP)
	if l, ok := d.Tags.Lang(); ok {
		a.Language, a.LanguageOwner = l, true
	} else if d.LanguageSure && d.Language != "" && !c.LanguageByOwner && c.Language != d.Language {
		a.Language = d.Language
	}
	if f.History || d.Skip != "" {
		// Old mail, or #ignore on a forward: remembered, nothing more.
		return a, nil
	}
	a.Inbound = true
	if d.OptOut {
		a.OptOut = "asked to stop"
		if d.Has(core.TagStop) {
			a.OptOut = "owner tagged #stop"
		}
		if d.Category != core.Complaint {
			return a, nil
		}
		// "I unsubscribed and still get your newsletter": the mail stops,
		// and the owner still hears of the complaint (the apology, to an
		// address now opted out, is not sent).
		c.OptedOut, c.OptOutWhy = f.At, a.OptOut
	}
	if d.Has(core.TagResolved) {
		a.OwnerAnswered = true
		if err := p.resolution(&a, core.ByTag, c, known, f, k); err != nil {
			return a, err
		}
	}
	event := d.Category.Event()
	switch {
	case d.Feedback:
		a.Feedback = true
		if d.Rating > 0 && d.Rating <= 2 {
			event = core.EventComplaint // a low rating is a complaint in all but name
			a.note("a rating of 2 or less is a complaint")
		} else {
			event = ""
			a.Why = "feedback recorded; thanking for it is the owner's to do"
		}
	case d.Kind == core.KindReply && event != core.EventComplaint:
		// A customer answering a follow-up is a conversation, not a new
		// contact: it stops the sequence but starts nothing new.
		event = ""
		a.Why = "a reply continues the conversation; it starts nothing new"
	case a.Resolve != nil && event != core.EventComplaint:
		event = ""
		a.Why = "tagged #resolved: nothing new to start"
	}
	if event == "" {
		return a, nil
	}
	if event == core.EventComplaint && known {
		open, err := k.OpenCase(c.ID)
		if err != nil {
			return a, err
		}
		if open != nil && (a.Resolve == nil || a.Resolve.Case == nil) {
			a.JoinCase = open.ID
			a.Why = "the complaint joins the open case; no new apology"
			return a, nil
		}
	}
	p.planFor(&a, event, f.At, c, first, d.Rule)
	return a, nil
}

// planFor plans what event starts for c, and makes sure a first contact
// read by the built-in reading is answered even when no sequence starts on
// its category: it gets the first step of the inquiry sequence.
func (p *Policy) planFor(a *Act, event core.Event, at time.Time, c core.Customer, first bool, rule string) {
	a.Event = event
	a.OpenCase = event == core.EventComplaint
	a.Plan, a.Blocked = p.Plan(event, at, c, first)
	if len(a.Plan)+len(a.Blocked) > 0 {
		return
	}
	switch {
	case event == core.EventInquiry || !first:
		a.Why = "no sequence starts on " + string(event)
		if first {
			a.Unanswered = a.Why
		}
	case !builtInRule(rule):
		// The owner's own rule chose the category: their routing stands
		// (suppliers to "other", say), but they are told.
		a.Why = "no sequence starts on " + string(event) + " (set by " + rule + ")"
		a.Unanswered = "no sequence for " + string(event)
	default:
		a.Plan, a.Blocked = p.firstStep(core.EventInquiry, at, c, first)
		if len(a.Plan)+len(a.Blocked) == 0 {
			a.Why = "no sequence starts on " + string(event) + " or inquiry"
			a.Unanswered = "no sequence for " + string(event)
			return
		}
		a.Event = core.EventInquiry
		a.OpenCase = false
		a.note("first contact read as " + string(event) + ", which no sequence starts on: acknowledged with the inquiry sequence's first step")
	}
}

// BounceTrust is how long after followupd last wrote to an address a
// report that returns no headers may still mark it as bouncing.
const BounceTrust = 30 * 24 * time.Hour

// bounceActs marks the permanently failed recipients of a report as
// bouncing, when the report is tied to mail followupd sent: it returns a
// follow-up's Message-ID (and then only that follow-up's recipient
// counts), or it returns no headers at all, has the structure of a real
// report and names an address followupd wrote to in the last 30 days.
// Anything else (a plain mail with X-Failed-Recipients, a report of the
// owner's own mail) changes nothing: anyone can write one.
func bounceActs(b *inbox.Bounce, f Facts, k Known) ([]Act, error) {
	var acts []Act
	for _, r := range b.Recipients {
		a := Act{Customer: inbox.Address{Email: r.Email}}
		trusted, why, err := bounceTied(b, r, f, k)
		switch {
		case err != nil:
			return nil, err
		case !trusted:
			a.Why = why
		case !r.Permanent:
			a.Why = "delivery delayed (" + r.Status + "); nothing changes"
		default:
			a.Bouncing = r.Status
			if r.Diagnostic != "" {
				a.Bouncing += " " + r.Diagnostic
			}
		}
		acts = append(acts, a)
	}
	return acts, nil
}

// bounceTied says whether a report may change what is known of
// recipient r, and why not.
func bounceTied(b *inbox.Bounce, r inbox.BouncedRecipient, f Facts, k Known) (bool, string, error) {
	switch {
	case f.Bounced != nil:
		if f.Bounced.Recipient == core.ToCustomer && strings.EqualFold(f.Bounced.Customer.Email, r.Email) {
			return true, "", nil
		}
		return false, "the report returns a follow-up to another address; nothing changes for this one", nil
	case len(b.Returned) > 0:
		return false, "the report returns mail followupd did not send; nothing changes", nil
	case !b.Standard:
		return false, "not a real delivery report (no report structure, not from a mail system); nothing changes", nil
	}
	c, ok, err := k.Customer(r.Email)
	if err != nil || !ok || c.LastAuto.IsZero() || f.At.Sub(c.LastAuto) > BounceTrust {
		return false, "followupd did not write to this address in the last 30 days; nothing changes", err
	}
	return true, "", nil
}

// contentLanguage is the message's declared language, a hint.
func contentLanguage(m *inbox.Message) core.Lang {
	l, _ := core.ParseLang(firstField(m.Header.Get("Content-Language")))
	return l
}

func firstField(s string) string {
	for i, r := range s {
		if r == ',' || r == ' ' || r == ';' {
			return s[:i]
		}
	}
	return s
}

// answers reports a message whose headers name mail it replies to.
func answers(m *inbox.Message) bool { return len(m.InReplyTo)+len(m.References) > 0 }
