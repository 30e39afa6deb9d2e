package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/mailer"
	"github.com/followupd/followupd/rules"
	"github.com/followupd/followupd/rules/meaning"
	"github.com/followupd/followupd/templates"
)

const digestLimit = 50 // items per section

// BuildDigest gathers the owner's digest: what happened since `since` and
// what needs them now or tomorrow.
func BuildDigest(ctx context.Context, st *store.Store, cfg *config.Config, now, since time.Time) (*templates.Digest, error) {
	loc := cfg.Business.Location
	dg := &templates.Digest{Date: now.In(loc)}
	custs, err := st.NewCustomersSince(ctx, since)
	if err != nil {
		return nil, err
	}
	for _, c := range custs[:min(len(custs), digestLimit)] {
		dg.NewCustomers = append(dg.NewCustomers, templates.DigestCustomer{Name: c.Name, Email: c.Email, First: c.FirstContact})
	}
	cases, err := st.OpenCases(ctx)
	if err != nil {
		return nil, err
	}
	// How long a case is open and a promise has left are worded by the
	// template, in its language.
	promise := cfg.Business.Promise.Duration
	for _, k := range cases {
		answered := !k.OwnerLast.Before(k.Opened)
		dg.OpenCases = append(dg.OpenCases, templates.DigestCase{ID: k.ID, Customer: k.Name, Email: k.Email, Subject: k.Subject,
			Opened: k.Opened, OwnerAnswered: answered})
		if due := k.Opened.Add(promise); promise > 0 && !answered && due.Sub(now) < 24*time.Hour {
			dg.Expiring = append(dg.Expiring, templates.DigestPromise{Customer: k.Name, Email: k.Email, Subject: k.Subject, Due: due, Overdue: !due.After(now)})
		}
	}
	fbs, err := st.FeedbackSince(ctx, since)
	if err != nil {
		return nil, err
	}
	for _, f := range fbs {
		dg.Feedback = append(dg.Feedback, templates.DigestFeedback{Customer: f.Name, Email: f.Email, Rating: f.Rating, Text: f.Text, Received: f.Received})
	}
	review, err := st.ForReviewSince(ctx, since)
	if err != nil {
		return nil, err
	}
	for _, m := range review {
		dm := templates.DigestMessage{ID: m.ID, Subject: m.Subject, From: m.From, Received: m.Ingested, UID: m.UID, Why: m.SkipReason}
		if m.Kind == core.KindUnverified {
			dg.Unverified = append(dg.Unverified, dm)
		} else {
			dg.Unattributed = append(dg.Unattributed, dm)
		}
	}
	suspect, err := st.SuspectSince(ctx, since, digestLimit)
	if err != nil {
		return nil, err
	}
	for _, m := range suspect {
		dg.Suspect = append(dg.Suspect, templates.DigestMessage{ID: m.ID, Subject: m.Subject, From: m.From, Received: m.Ingested, UID: m.UID, Why: m.SkipReason})
	}
	attention, err := st.AttentionSince(ctx, since, digestLimit)
	if err != nil {
		return nil, err
	}
	for _, m := range attention {
		r := templates.DigestReading{Customer: m.CustomerName, Email: m.CustomerEmail, Subject: m.Subject, Category: m.Category,
			Evidence: evidenceSummary(m.Evidence), Why: m.Unanswered, Received: m.Ingested}
		if m.Unanswered != "" {
			dg.Unanswered = append(dg.Unanswered, r)
		} else {
			dg.Unsure = append(dg.Unsure, r)
		}
	}
	for state, dst := range map[core.State]*[]templates.DigestFollowup{core.Failed: &dg.Failed, core.Doubt: &dg.InDoubt} {
		fs, err := st.FollowupsInStateSince(ctx, state, since, digestLimit)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			*dst = append(*dst, digestFollowup(f, f.Due))
		}
	}
	tomorrow := rules.Midnight(now, loc).AddDate(0, 0, 1)
	fs, err := st.DueBetween(ctx, tomorrow, tomorrow.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	for _, f := range fs[:min(len(fs), digestLimit)] {
		dg.Tomorrow = append(dg.Tomorrow, digestFollowup(f, f.NotBefore))
	}
	return dg, nil
}

// evidenceSummary is the strongest evidence of a reading, for the
// digest: `fault "loose" +1.2; question "is that normal?" +1.0`. When the
// second reader moved the reading, its verdict comes first, with why:
// `learned "inquiry 91 %" (the second reader reads no complaint); ...`.
func evidenceSummary(js string) string {
	var ev []meaning.Evidence
	if json.Unmarshal([]byte(js), &ev) != nil {
		return ""
	}
	var parts []string
	for _, e := range ev {
		if e.Signal == meaning.SignalLearned && e.Note != "" {
			parts = append(parts, fmt.Sprintf("%s %q (%s)", e.Signal, e.Phrase, e.Note))
		}
	}
	for _, e := range ev {
		if e.Weight != 0 && len(parts) < 4 {
			parts = append(parts, e.String())
		}
	}
	return strings.Join(parts, "; ")
}

func digestFollowup(f *core.Followup, when time.Time) templates.DigestFollowup {
	return templates.DigestFollowup{ID: f.ID, Customer: f.Customer.Name, Email: f.Customer.Email, Template: f.Template, Error: f.LastError, When: when}
}

// RenderDigest renders the digest template.
func RenderDigest(lv *Prepared, dg *templates.Digest, now time.Time) (templates.Rendered, error) {
	cfg := lv.cfg
	data := templates.Data{
		Customer: templates.Customer{Customer: core.Customer{Name: cfg.Business.OwnerName, Email: cfg.Digest.To}},
		Business: lv.business(),
		Digest:   dg, Now: now,
	}
	return lv.tmpl.Render("digest", lv.policy.Language(), data, nil)
}

// digestSince is where the next digest's window starts: the last one
// sent, else a day before now.
func digestSince(ctx context.Context, st *store.Store, now time.Time) time.Time {
	if v, _ := st.Meta(ctx, "digest_last"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return now.Add(-24 * time.Hour)
}

// maybeSendDigest sends the day's digest once the configured local time
// has passed, once a day, and only when it has something to say.
func (d *Daemon) maybeSendDigest(ctx context.Context, now time.Time) {
	lv := d.live()
	cfg := lv.cfg
	if cfg.Digest.Time == "" {
		return
	}
	loc := cfg.Business.Location
	at, _ := time.Parse("15:04", cfg.Digest.Time)
	day := rules.Midnight(now, loc)
	sendAt := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, loc)
	today := day.Format("2006-01-02")
	if now.Before(sendAt) {
		return
	}
	if d.digestDay == today {
		return
	}
	if last, _ := d.store.Meta(ctx, "digest_date"); last == today {
		d.digestDay = today // sent by an earlier run today
		return
	}
	since := digestSince(ctx, d.store, now)
	dg, err := BuildDigest(ctx, d.store, cfg, now, since)
	if err != nil {
		d.log.Error("digest", "err", err)
		return
	}
	if !dg.Empty() {
		r, err := RenderDigest(lv, dg, now)
		if err != nil {
			d.log.Error("digest: template", "err", err)
			return
		}
		err = d.mail.Send(ctx, &mailer.Mail{From: lv.from, To: &mail.Address{Name: cfg.Business.OwnerName, Address: cfg.Digest.To},
			Subject: r.Subject, Text: r.Text, HTML: r.HTML, MessageID: d.newMessageID(), Date: now, AutoSubmitted: cfg.SMTP.AutoSubmitted})
		if err != nil {
			d.log.Error("digest: send failed; will try again", "err", err)
			return
		}
		d.log.Info("digest sent", "to", cfg.Digest.To, "open_cases", len(dg.OpenCases), "new_customers", len(dg.NewCustomers))
	} else {
		d.log.Info("digest: nothing to say today; not sent")
	}
	d.digestDay = today
	if err := d.store.SetMeta(ctx, "digest_date", today); err == nil {
		err = d.store.SetMeta(ctx, "digest_last", now.UTC().Format(time.RFC3339))
		if err != nil {
			d.log.Error("digest: record", "err", err)
		}
	}
}

// DigestText renders today's digest for `followupd digest`.
func DigestText(ctx context.Context, st *store.Store, cfg *config.Config, now time.Time) (string, bool, error) {
	lv, err := Prepare(cfg)
	if err != nil {
		return "", false, err
	}
	dg, err := BuildDigest(ctx, st, cfg, now, digestSince(ctx, st, now))
	if err != nil {
		return "", false, err
	}
	r, err := RenderDigest(lv, dg, now)
	if err != nil {
		return "", false, err
	}
	return fmt.Sprintf("To: %s\nSubject: %s\n\n%s", cfg.Digest.To, r.Subject, r.Text), !dg.Empty(), nil
}
