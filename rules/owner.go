package rules

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/meaning"
)

// readOwner reads mail from the owner: a forward of a customer's mail, a
// reply to customers that copied us, or a command (tags naming
// customers).
func (p *Policy) readOwner(r *Reading) {
	m, d := r.msg, &r.d
	if fw, ok := inbox.ExtractForward(m); ok && !p.isOwner(fw.From.Key()) && !p.isSelf(fw.From.Key()) {
		d.Kind, d.Customer = core.KindForward, fw.From
		d.Tags = meaning.ParseTags(m.Subject, fw.Note)
		d.Subject = fw.Subject
		if d.Subject == "" {
			d.Subject = stripForwardPrefix(m.Subject)
		}
		d.Text = inbox.OwnText(fw.Text)
		d.ThreadID = fw.MessageID
		if !fw.Date.IsZero() {
			d.Date = fw.Date
		}
		if d.Has(core.TagIgnore) {
			d.Skip = "the owner tagged it #ignore"
		}
		d.OptOut = d.Has(core.TagStop)
		subject, replied := splitSubject(d.Subject, false)
		p.read(d, nil, subject, replied, "")
		return
	}
	own := inbox.OwnText(m.Text)
	d.Tags = meaning.ParseTags(m.Subject, own)
	if looksForwarded(m) {
		d.Kind, d.Review = core.KindUnattributed, true
		d.Skip = "forward whose original sender could not be found; kept for the owner's review"
		return
	}
	// A reply to customers: the recipients are the customers. Else a
	// command: the addresses its tags name.
	var customers []inbox.Address
	for _, a := range append(append([]inbox.Address{}, m.To...), m.Cc...) {
		if a.Email != "" && !p.isOwner(a.Key()) && !p.isSelf(a.Key()) {
			customers = append(customers, a)
		}
	}
	kind, by, skip := core.KindOwnerReply, core.ByOwnerReply, "the owner's own reply (recorded as the owner answering)"
	if len(customers) == 0 && len(d.Tags) > 0 {
		customers = addressesIn(m.Subject+"\n"+own, p)
		kind, by, skip = core.KindOwnerCommand, core.ByTag, "owner command"
		if len(customers) == 0 {
			d.Kind, d.Skip = core.KindOwner, "from the owner: tags, but no customer's address"
			return
		}
	}
	switch {
	case len(customers) == 0:
		d.Kind, d.Skip = core.KindOwner, "from the owner, about no customer"
	case len(customers) > MaxOwnerTargets:
		// One mail acting on many addresses is a mistake or an attack.
		d.Kind, d.Review = core.KindOwner, true
		d.Skip = fmt.Sprintf("the owner's mail names %d addresses, and may act on at most %d: refused, nothing done", len(customers), MaxOwnerTargets)
	default:
		d.Kind, d.Customer, d.Skip = kind, customers[0], skip
		r.targets, r.by = customers, by
	}
}

// MaxOwnerTargets is the most addresses one reply or command of the
// owner's acts on; one that names more is refused.
const MaxOwnerTargets = 20

// ownerAct is what the owner's reply or command does to one customer.
func (p *Policy) ownerAct(d Decision, who inbox.Address, by core.Actor, f Facts, k Known) (Act, error) {
	a := Act{Customer: who, OwnerAnswered: d.Kind == core.KindOwnerReply}
	c, known, err := k.Customer(who.Key())
	if err != nil {
		return a, err
	}
	if d.Has(core.TagStop) {
		a.OptOut = "owner tagged #stop"
	}
	a.VIP = d.Has(core.TagVIP)
	if l, ok := d.Tags.Lang(); ok {
		a.Language, a.LanguageOwner = l, true
	}
	if d.Has(core.TagResolved) {
		a.OwnerAnswered = true
		if err := p.resolution(&a, by, c, known, f, k); err != nil {
			return a, err
		}
	}
	if cat := d.Tags.Category(); cat != "" {
		a.Purchase = cat == core.Purchase
		if known && a.OptOut == "" {
			latest, err := k.Latest(c.ID)
			if err != nil {
				return a, err
			}
			a.Reclassify = p.Reclassify(c, latest, cat, "owner tag #"+string(cat), f.At)
			if a.Reclassify.Why != "" {
				a.note(a.Reclassify.Why)
			}
		}
	}
	return a, nil
}

var forwardPrefix = regexp.MustCompile(`(?i)^\s*((fwd?|fw|wg|tr|rv|i|enc|doorst|vs|vb|fs|přep|pd|πρθ|переслано|trs|rif|reenv|wtr|转发|轉寄|전달)\s*[:：]\s*)+`)

func stripForwardPrefix(s string) string { return forwardPrefix.ReplaceAllString(s, "") }

var replyPrefix = regexp.MustCompile(`(?i)^\s*(re|aw|sv|vs|antw|odp|ref|res|rif|r|ynt|atb|ats|odg|vá|відп|отв|回复|回覆|답장)\s*(\[\d+\])?\s*[:：]`)

// isReplySubject reports a subject that answers mail the shop sent: its
// words are the shop's ("Re: Your order has shipped"), not the customer's.
func isReplySubject(s string) bool { return replyPrefix.MatchString(s) }

// splitSubject tells the customer's own subject from the subject of the
// shop's mail they answer ("Re: Your order has shipped"): answers says the
// message's headers name mail it replies to.
func splitSubject(subject string, answers bool) (own, replied string) {
	if answers || isReplySubject(subject) {
		return "", subject
	}
	return subject, ""
}

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

// forwardedByOther reports a forward of someone else's mail, whoever sent it.
func forwardedByOther(m *inbox.Message) bool {
	fw, ok := inbox.ExtractForward(m)
	return ok && !strings.EqualFold(fw.From.Key(), m.From.Key())
}

var addrRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)

// addressesIn returns the customers' addresses an owner command names.
func addressesIn(text string, p *Policy) []inbox.Address {
	var out []inbox.Address
	seen := map[string]bool{}
	for _, a := range addrRE.FindAllString(text, 10*MaxOwnerTargets) {
		k := strings.ToLower(a)
		if seen[k] || p.isOwner(k) || p.isSelf(k) {
			continue
		}
		seen[k] = true
		out = append(out, inbox.Address{Email: a})
	}
	return out
}
