package daemon

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/admin"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/rules"
)

// apply records a message and does what rules decided, inside the
// message's transaction. It decides nothing: every branch here follows a
// field of the decision.
func (in *ingest) apply(dec rules.Decision) error {
	rec := &in.rec
	rec.Kind, rec.Category, rec.Rule, rec.Tags = dec.Kind, dec.Category, dec.Rule, dec.Tags
	rec.SkipReason, rec.Review, rec.Unsure, rec.Language = dec.Skip, dec.Review, dec.Unsure, dec.Language
	rec.Excerpt = excerpt(dec.Text, 1000)
	if len(dec.Evidence) > 0 {
		b, _ := json.Marshal(dec.Evidence)
		rec.Evidence = string(b)
	}
	if dec.Kind == core.KindForward {
		rec.HeaderMsgID, rec.Subject = dec.ThreadID, dec.Subject
	}
	if !dec.Date.IsZero() {
		rec.Date = dec.Date
	}
	if dec.Forgotten {
		// Recorded so that it is not read again, without a trace of who.
		rec.From, rec.Subject, rec.HeaderMsgID, rec.Excerpt = "", "", "", ""
	}
	in.d.metrics.Ingested(string(dec.Kind))

	// Touch the customers first: the message is recorded as the first one's.
	now := in.tx.Now()
	custs := make([]core.Customer, len(dec.Acts))
	for i, a := range dec.Acts {
		if a.OptOut == "" && a.Bouncing == "" && !a.Contact && !a.OwnerAnswered && a.Resolve == nil &&
			a.Reclassify == nil && !a.VIP && !a.Purchase && a.Language == "" {
			continue // nothing to remember of them (a delayed bounce)
		}
		c, err := in.tx.TouchCustomer(a.Customer.Key(), a.Customer.Name, now, a.Contact)
		if err != nil {
			return err
		}
		custs[i] = c
		if rec.CustomerID == 0 {
			rec.CustomerID = c.ID
		}
		if a.Unanswered != "" {
			rec.Unanswered = a.Unanswered
		}
	}
	id, err := in.tx.InsertMessage(*rec)
	if err != nil {
		return err
	}
	if len(dec.Acts) == 0 {
		switch {
		case dec.Kind == core.KindUnverified:
			if err := in.tx.Hold(id, in.f.Raw); err != nil {
				return err
			}
			in.note("unverified owner mail: it acts on nothing until the owner approves it (followupd approve)",
				"message", id, "from", rec.From, "subject", rec.Subject, "would_be", dec.Would, "reason", dec.Owner.Why)
			in.d.metrics.Skipped(admin.SkipUnverified)
		case dec.Review:
			in.note("forward kept for the owner's review: its original sender could not be found", "from", rec.From, "subject", rec.Subject)
		default:
			in.note("message skipped", "from", rec.From, "reason", dec.Skip)
			in.d.metrics.Skipped(dec.Skip)
		}
		return nil
	}
	attrs := []any{"kind", dec.Kind, "category", dec.Category, "rule", dec.Rule}
	if dec.Unsure {
		attrs = append(attrs, "unsure", true)
	}
	if dec.Language != "" {
		attrs = append(attrs, "language", dec.Language)
	}
	if len(dec.Tags) > 0 {
		attrs = append(attrs, "tags", strings.Join(dec.Tags, " "))
	}
	if dec.Owner != nil {
		attrs = append(attrs, "owner_verified_by", dec.Owner.By)
	}
	for i, a := range dec.Acts {
		if err := in.act(dec, a, custs[i], id, attrs); err != nil {
			return err
		}
	}
	return nil
}

// act does what a message does to one customer.
func (in *ingest) act(dec rules.Decision, a rules.Act, c core.Customer, msgID int64, attrs []any) error {
	email := a.Customer.Key()
	log := func(msg string, kv ...any) { in.note(msg, append([]any{"customer", email}, kv...)...) }
	if c.ID == 0 {
		log(a.Why)
		return nil
	}
	switch {
	case a.Contact && in.f.History:
		log("message recorded as history (it was there before the first start)", attrs...)
	case a.Contact && dec.Skip != "":
		log("message skipped", append(attrs, "reason", dec.Skip)...)
	case a.Contact:
		log("message ingested", attrs...)
	}
	for _, n := range a.Notes {
		log(n)
	}
	tx := in.tx
	if a.Purchase {
		if err := tx.AddPurchase(c.ID); err != nil {
			return err
		}
	}
	if a.VIP {
		if err := tx.SetVIP(c.ID); err != nil {
			return err
		}
		if !a.Contact {
			log("customer marked VIP")
		}
	}
	if a.Language != "" {
		if err := tx.SetLanguage(c.ID, a.Language, a.LanguageOwner); err != nil {
			return err
		}
		if a.LanguageOwner {
			log("customer's language set by the owner", "language", a.Language)
		}
	}
	if a.OwnerAnswered {
		if err := tx.OwnerAnswered(c.ID, msgID); err != nil {
			return err
		}
		if dec.Kind == core.KindOwnerReply {
			log("the owner answered the customer (Bcc)")
		}
	}
	if a.Contact && !a.Inbound {
		// History, or #ignore on a forward: remembered, nothing more.
		return nil
	}
	if a.Inbound {
		if err := tx.NoteInbound(c.ID, msgID); err != nil {
			return err
		}
		// Whatever the customer writes stops the sequences that stop on a reply.
		if n, err := tx.CancelOnReply(c.ID, msgID); err != nil {
			return err
		} else if n > 0 {
			log("pending follow-ups cancelled: the customer wrote again", "cancelled", n)
		}
	}
	if a.OptOut != "" {
		n, err := tx.OptOut(email, a.OptOut)
		if err != nil {
			return err
		}
		log("customer opted out: nothing more will be sent", "reason", a.OptOut, "cancelled", n)
		in.d.metrics.Skipped("opt-out")
	}
	if a.Bouncing != "" {
		n, err := tx.MarkBouncing(email, a.Bouncing)
		if err != nil {
			return err
		}
		log("address bounces: nothing more will be sent to it", "reason", a.Bouncing, "cancelled", n)
	}
	if r := a.Resolve; r != nil && r.Case != nil {
		if err := in.resolve(r, c); err != nil {
			return err
		}
	}
	if a.Feedback {
		if _, err := tx.AddFeedback(store.Feedback{CustomerID: c.ID, MessageID: msgID, FollowupID: in.rec.FollowupID,
			Rating: dec.Rating, Text: excerpt(dec.Text, 2000)}); err != nil {
			return err
		}
		log("feedback recorded", "rating", dec.Rating)
	}
	if r := a.Reclassify; r != nil && r.Changes {
		planned, err := applyReclassification(tx, r, c)
		if err != nil {
			return err
		}
		in.planned(c, planned)
		log("reading corrected by the owner", "from", r.From, "to", r.To, "planned", len(planned))
	}
	return in.start(dec, a, c, msgID, log)
}

// start opens the complaint's case when there is one and plans what the
// message starts for c, or logs why it starts nothing.
func (in *ingest) start(dec rules.Decision, a rules.Act, c core.Customer, msgID int64, log func(string, ...any)) error {
	tx := in.tx
	for _, f := range a.Blocked {
		log("follow-up not planned: "+f.LastError, "sequence", f.Sequence, "step", f.Step, "template", f.Template)
	}
	switch {
	case a.JoinCase != 0:
		log(a.Why, "case", a.JoinCase)
		return nil
	case a.Event == "":
		if a.Why != "" {
			log("nothing planned: "+a.Why, "event", "")
		}
		return nil
	}
	plan := a.Plan
	var caseID int64
	if a.OpenCase {
		k, opened, err := tx.OpenCase(c.ID, msgID, dec.Subject)
		if err != nil {
			return err
		}
		if !opened {
			log("complaint joins the open case; no new apology", "case", k.ID)
			return nil
		}
		caseID = k.ID
		log("complaint case opened", "case", k.ID)
	}
	for i := range plan {
		plan[i].CustomerID, plan[i].TriggerKey, plan[i].TriggerSeq = c.ID, store.MessageTrigger(msgID), msgID
		plan[i].Thread.ID, plan[i].CaseID = msgID, caseID
	}
	if len(plan) == 0 && a.Why != "" {
		log("nothing planned: " + a.Why)
	}
	added, err := planFollowups(tx, plan)
	in.planned(c, added)
	return err
}

// resolve closes the customer's open case and plans what that starts.
func (in *ingest) resolve(r *rules.Resolution, c core.Customer) error {
	k, err := in.tx.ResolveCase(c.ID, r.By)
	if err != nil || k == nil {
		return err
	}
	in.note("case resolved", "customer", c.Email, "case", k.ID, "by", r.By)
	added, err := planFollowups(in.tx, stampResolved(r.Plan, k))
	in.planned(c, added)
	return err
}

// planned notes the follow-ups recorded for c, and wakes the dispatchers.
func (in *ingest) planned(c core.Customer, fs []core.Followup) {
	for _, p := range fs {
		in.notes = append(in.notes, note{msg: "follow-up planned", planned: true, attrs: []any{"uid", in.f.UID, "customer", c.Email,
			"sequence", p.Sequence, "step", p.Step, "template", p.Template, "to", p.Recipient,
			"due", p.Due.UTC().Format(time.RFC3339)}})
	}
}

// planFollowups records planned follow-ups; planning one twice adds
// nothing. It returns those added.
func planFollowups(tx *store.Tx, plan []core.Followup) ([]core.Followup, error) {
	var added []core.Followup
	for _, f := range plan {
		ok, err := tx.PlanFollowup(f)
		if err != nil {
			return added, err
		}
		if ok {
			added = append(added, f)
		}
	}
	return added, nil
}

// stampResolved gives what resolving case k starts its trigger: the
// case, so that a case resolved twice (by the command and by a tag) plans
// its sequences once.
func stampResolved(plan []core.Followup, k *core.Case) []core.Followup {
	for i := range plan {
		plan[i].CustomerID, plan[i].TriggerKey, plan[i].CaseID, plan[i].Thread.ID = k.CustomerID, store.CaseTrigger(k.ID), k.ID, k.MessageID
	}
	return plan
}

// applyReclassification cancels the follow-ups of the wrong reading that
// are still pending, records the new one and plans its follow-ups (a
// complaint opens a case first). The command line and owner tags share it.
func applyReclassification(tx *store.Tx, r *rules.Reclassification, c core.Customer) ([]core.Followup, error) {
	if _, err := tx.CancelTrigger(c.ID, r.Trigger, "read again as "+string(r.To)+" ("+r.By+")"); err != nil {
		return nil, err
	}
	if err := tx.SetCategory(r.Message.ID, r.To, r.By); err != nil {
		return nil, err
	}
	plan := r.Plan
	if r.OpenCase {
		k, _, err := tx.OpenCase(c.ID, r.Message.ID, r.Message.Subject)
		if err != nil {
			return nil, err
		}
		for i := range plan {
			plan[i].CaseID = k.ID
		}
	}
	return planFollowups(tx, plan)
}
