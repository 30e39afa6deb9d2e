package rules

import (
	"regexp"
	"strings"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
)

// Kinds of message.
const (
	KindCustomer     = "customer"      // a customer wrote to the business
	KindReply        = "reply"         // a customer answered one of our follow-ups
	KindForward      = "forward"       // the owner forwarded a customer's mail
	KindOwnerReply   = "owner-reply"   // the owner answered a customer and Bcc'd or Cc'd us
	KindOwnerCommand = "owner-command" // the owner's tags naming customers: "#resolved ana@example.com"
	KindUnattributed = "unattributed"  // an owner forward whose customer could not be found
	KindOwner        = "owner"         // other mail from the owner
	KindBounce       = "bounce"        // a delivery failure report
	KindAuto         = "auto"          // written by a machine, or must not be answered
	KindSelf         = "self"          // sent by followupd's own address
)

// Ref describes the follow-up a message replies to, found by the caller
// from In-Reply-To/References.
type Ref struct {
	Template string
	Sequence string
}

// Decision is what Classify made of a message.
type Decision struct {
	Kind     string
	Customer inbox.Address   // who it is about; empty for machine mail
	Targets  []inbox.Address // an owner command's customers
	Category string          // inquiry | purchase | complaint | feedback | other
	Rule     string          // what set the category
	Tags     []string        // owner tags
	Subject  string          // the customer's subject (the original one in a forward)
	Text     string          // the customer's own words, quotes and signature removed
	ThreadID string          // the customer's Message-ID to answer in the thread, if known
	Date     time.Time

	Skip     string        // why nothing may answer it; "" if it may be answered
	OptOut   bool          // the customer asks to hear no more, or the owner tagged #stop
	Bounce   *inbox.Bounce // the failed recipients of a bounce
	Feedback bool          // an answer to a feedback or satisfaction request
	Rating   int           // 1-5 when the customer gave one
	Review   bool          // keep for the owner's review
}

// Has reports whether the owner tagged the message with t.
func (d Decision) Has(t string) bool { return hasTag(d.Tags, t) }

// Classifier classifies messages with the owner's rules and the built-in ones.
type Classifier struct {
	policy Policy
	rules  []rule
}

// NewClassifier compiles the owner's rules, followed by the built-in ones
// when defaults is true.
func NewClassifier(p Policy, owner []config.Rule, defaults bool) (*Classifier, error) {
	c := &Classifier{policy: p}
	for _, r := range owner {
		cr, err := compileRule(r)
		if err != nil {
			return nil, err
		}
		c.rules = append(c.rules, cr)
	}
	if defaults {
		c.rules = append(c.rules, builtinRules...)
	} else {
		c.rules = append(c.rules, rule{name: "first contact", category: "inquiry", firstTime: true})
	}
	return c, nil
}

// Classify decides what m is. firstTime says whether the sender (the
// customer) has never written before; replyTo is the follow-up m answers,
// if any.
func (c *Classifier) Classify(m *inbox.Message, firstTime func(email string) bool, replyTo *Ref) Decision {
	from := m.From.Key()
	d := Decision{Subject: m.Subject, Date: m.Date, ThreadID: m.MessageID}
	switch {
	case from == "":
		d.Kind, d.Skip = KindAuto, "no sender address"
		return d
	case c.policy.isSelf(from):
		d.Kind, d.Skip = KindSelf, "sent by followupd's own address"
		return d
	}
	if b, ok := inbox.ParseBounce(m); ok {
		d.Kind, d.Skip, d.Bounce = KindBounce, "bounce", b
		return d
	}
	if c.policy.isOwner(from) {
		return c.classifyOwner(m, d, firstTime)
	}
	if c.policy.AnyForwarder && inbox.AutoReason(m) == "" {
		if f, ok := inbox.ExtractForward(m); ok && !strings.EqualFold(f.From.Key(), from) {
			return c.classifyOwner(m, d, firstTime)
		}
	}
	if why := inbox.AutoReason(m); why != "" {
		d.Kind, d.Skip = KindAuto, why
		return d
	}
	d.Kind, d.Customer = KindCustomer, m.From
	d.Text = inbox.OwnText(m.Text)
	d.OptOut = inbox.WantsOptOut(m.Subject, d.Text)
	if replyTo != nil {
		d.Kind = KindReply
		if isFeedbackTemplate(replyTo.Template) {
			d.Feedback = true
			d.Rating = ParseRating(d.Text)
		}
	}
	d.Category, d.Rule = c.categorize(m, d.Subject, d.Text, from, firstTime(from))
	if d.Feedback && d.Category != "complaint" {
		d.Category, d.Rule = "feedback", "answer to "+replyTo.Template
	}
	return d
}

// classifyOwner handles mail from the owner: a forward of a customer's
// mail, a reply to a customer the owner Bcc'd us on, or a command.
func (c *Classifier) classifyOwner(m *inbox.Message, d Decision, firstTime func(string) bool) Decision {
	if f, ok := inbox.ExtractForward(m); ok && !c.policy.isOwner(f.From.Key()) && !c.policy.isSelf(f.From.Key()) {
		d.Kind, d.Customer = KindForward, f.From
		d.Tags = ParseTags(m.Subject, f.Note)
		d.Subject = f.Subject
		if d.Subject == "" {
			d.Subject = stripForwardPrefix(m.Subject)
		}
		d.Text = inbox.OwnText(f.Text)
		d.ThreadID = f.MessageID
		if !f.Date.IsZero() {
			d.Date = f.Date
		}
		d.applyOwnerTags()
		if d.Category == "" {
			d.Category, d.Rule = c.categorize(nil, d.Subject, d.Text, f.From.Key(), firstTime(f.From.Key()))
		}
		return d
	}
	own := inbox.OwnText(m.Text)
	d.Tags = ParseTags(m.Subject, own)
	if looksForwarded(m) {
		d.Kind, d.Review = KindUnattributed, true
		d.Skip = "forward whose original sender could not be found; kept for the owner's review"
		return d
	}
	// A reply to a customer: the recipients are customers.
	var customers []inbox.Address
	for _, a := range append(append([]inbox.Address{}, m.To...), m.Cc...) {
		if a.Email != "" && !c.policy.isOwner(a.Key()) && !c.policy.isSelf(a.Key()) {
			customers = append(customers, a)
		}
	}
	if len(customers) > 0 {
		d.Kind, d.Customer = KindOwnerReply, customers[0]
		d.Targets = customers
		d.Skip = "the owner's own reply (recorded as the owner answering)"
		d.applyOwnerTags()
		return d
	}
	if len(d.Tags) > 0 {
		if targets := addressesIn(m.Subject+"\n"+own, c.policy); len(targets) > 0 {
			d.Kind, d.Targets, d.Customer = KindOwnerCommand, targets, targets[0]
			d.Skip = "owner command"
			d.applyOwnerTags()
			return d
		}
	}
	d.Kind, d.Skip = KindOwner, "from the owner, about no customer"
	return d
}

// applyOwnerTags lets the owner's tags decide.
func (d *Decision) applyOwnerTags() {
	if cat := categoryFromTags(d.Tags); cat != "" {
		d.Category, d.Rule = cat, "owner tag #"+cat
	}
	if d.Has(TagStop) {
		d.OptOut = true
	}
	if d.Has(TagIgnore) {
		d.Skip = "the owner tagged it #ignore"
	}
}

func (c *Classifier) categorize(m *inbox.Message, subject, text, from string, first bool) (category, ruleName string) {
	f := facts{subject: strings.ToLower(subject), text: strings.ToLower(text), from: from, msg: m, firstTime: first}
	for _, r := range c.rules {
		if r.category != "" && r.matches(f) {
			return r.category, r.name
		}
	}
	return "other", ""
}

// Explain returns the tags of every tag-only rule that matches too; used to
// add rule tags to a decision.
func (c *Classifier) RuleTags(m *inbox.Message, d Decision) []string {
	f := facts{subject: strings.ToLower(d.Subject), text: strings.ToLower(d.Text), from: d.Customer.Key(), msg: m}
	var tags []string
	for _, r := range c.rules {
		if len(r.tags) > 0 && (r.category == "" || r.name == d.Rule) && r.matches(f) {
			tags = append(tags, r.tags...)
		}
	}
	return tags
}

func isFeedbackTemplate(name string) bool {
	return strings.Contains(name, "feedback") || strings.Contains(name, "satisfaction") || strings.Contains(name, "review")
}

var forwardPrefix = regexp.MustCompile(`(?i)^\s*((fwd?|fw|wg|tr|rv|i|enc|doorst|vs|vb|fs|přep|pd|πρθ|переслано|trs|rif|reenv|wtr|转发|轉寄|전달)\s*[:：]\s*)+`)

func stripForwardPrefix(s string) string { return forwardPrefix.ReplaceAllString(s, "") }

// looksForwarded reports a message the owner meant as a forward: a forward
// prefix on the subject, or a forwarded message attached.
func looksForwarded(m *inbox.Message) bool {
	if forwardPrefix.MatchString(m.Subject) {
		return true
	}
	for _, a := range m.Attachments {
		if a.IsMessage() {
			return true
		}
	}
	return false
}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

func addressesIn(text string, p Policy) []inbox.Address {
	var out []inbox.Address
	seen := map[string]bool{}
	for _, a := range addrRE.FindAllString(text, 20) {
		k := strings.ToLower(a)
		if seen[k] || p.isOwner(k) || p.isSelf(k) {
			continue
		}
		seen[k] = true
		out = append(out, inbox.Address{Email: a})
	}
	return out
}
