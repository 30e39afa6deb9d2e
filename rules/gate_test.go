package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/config"
)

func TestGateDecidesEachDueFollowUp(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	weekdays, _ := config.ParseSendHours("Mon-Fri 09:00-17:00")
	// Wednesday 2026-03-04 10:00 in Chicago.
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, chicago)
	trig := now.Add(-20 * time.Hour)
	base := Due{Recipient: "customer", Event: "inquiry", StopOnReply: true, TriggerTime: trig, TriggerSeq: 10, InboundSeq: 10, Due: now}
	limits := Limits{Loc: chicago, MinGap: 24 * time.Hour, MaxLate: 7 * 24 * time.Hour}
	with := func(f func(*Due)) Due { d := base; f(&d); return d }
	lim := func(f func(*Limits)) Limits { l := limits; f(&l); return l }

	tests := []struct {
		name   string
		due    Due
		limits Limits
		at     time.Time
		action string
		until  time.Time
		reason string
	}{
		{"a plain due follow-up goes", base, limits, now, Send, time.Time{}, ""},
		{"opted-out customer gets nothing", with(func(d *Due) { d.OptedOut = true }), limits, now, Cancel, time.Time{}, "opted out"},
		{"bouncing address gets nothing", with(func(d *Due) { d.Bouncing = true }), limits, now, Cancel, time.Time{}, "bounces"},
		{"a reply stops the sequence", with(func(d *Due) { d.InboundSeq = 11 }), limits, now, Cancel, time.Time{}, "replied"},
		{"a reply does not stop stop_on_reply=false", with(func(d *Due) { d.InboundSeq = 11; d.StopOnReply = false }), limits, now, Send, time.Time{}, ""},
		{"first-time holds for a first-timer", with(func(d *Due) { d.Conditions = []string{"first-time"}; d.FirstTime = true }), limits, now, Send, time.Time{}, ""},
		{"first-time skips a repeat customer", with(func(d *Due) { d.Conditions = []string{"first-time"} }), limits, now, Skip, time.Time{}, "first-time"},
		{"repeat skips a first-timer", with(func(d *Due) { d.Conditions = []string{"repeat"}; d.FirstTime = true }), limits, now, Skip, time.Time{}, "repeat"},
		{"vip skips a non-VIP", with(func(d *Due) { d.Conditions = []string{"vip"} }), limits, now, Skip, time.Time{}, "VIP"},
		{"vip holds for a VIP", with(func(d *Due) { d.Conditions = []string{"vip"}; d.VIP = true }), limits, now, Send, time.Time{}, ""},
		{"no-reply skips when the customer wrote", with(func(d *Due) {
			d.Conditions = []string{"no-reply"}
			d.StopOnReply = false
			d.InboundSeq = 12
		}), limits, now, Skip, time.Time{}, "wrote since"},
		{"owner reminder goes when nobody answered", with(func(d *Due) {
			d.Recipient, d.Event = "owner", "complaint"
			d.Conditions = []string{"owner-silent", "case-open"}
			d.Case = &CaseState{Open: true}
		}), limits, now, Send, time.Time{}, ""},
		{"owner reminder skipped after a Bcc'd answer", with(func(d *Due) {
			d.Recipient, d.Event = "owner", "complaint"
			d.Conditions = []string{"owner-silent", "case-open"}
			d.Case = &CaseState{Open: true}
			d.OwnerSeq = 11
		}), limits, now, Skip, time.Time{}, "owner answered"},
		{"owner reminder skipped once resolved", with(func(d *Due) {
			d.Recipient, d.Event = "owner", "complaint"
			d.Conditions = []string{"owner-silent", "case-open"}
			d.Case = &CaseState{Open: false, Resolved: now}
		}), limits, now, Skip, time.Time{}, "resolved"},
		{"case-resolved holds after resolution", with(func(d *Due) {
			d.Event, d.Conditions, d.Case = "resolved", []string{"case-resolved"}, &CaseState{Resolved: now}
		}), limits, now, Send, time.Time{}, ""},
		{"no feedback request while a complaint is open", with(func(d *Due) { d.OpenCase = true }), limits, now, Wait, now.Add(openCaseRecheck), "open complaint"},
		{"the apology goes despite the open case", with(func(d *Due) { d.OpenCase = true; d.Event = "complaint" }), limits, now, Send, time.Time{}, ""},
		{"min_gap holds a second email", with(func(d *Due) { d.LastAuto = now.Add(-2 * time.Hour) }), limits, now, Wait, now.Add(22 * time.Hour), "min_gap"},
		{"min_gap does not hold a complaint's apology", with(func(d *Due) { d.LastAuto = now.Add(-2 * time.Hour); d.Event = "complaint" }), limits, now, Send, time.Time{}, ""},
		{"min_gap does not hold owner mail", with(func(d *Due) { d.LastAuto = now.Add(-2 * time.Hour); d.Recipient = "owner" }), limits, now, Send, time.Time{}, ""},
		{"daily cap waits for tomorrow", with(func(d *Due) { d.SentToday = 3 }), lim(func(l *Limits) { l.DailyCap = 3 }), now, Wait,
			time.Date(2026, 3, 5, 0, 0, 0, 0, chicago), "daily_cap"},
		{"a follow-up due at 03:00 moves to 09:00", base, lim(func(l *Limits) { l.Windows = weekdays }),
			time.Date(2026, 3, 4, 3, 0, 0, 0, chicago), Wait, time.Date(2026, 3, 4, 9, 0, 0, 0, chicago), "send_hours"},
		{"owner alerts ignore send hours", with(func(d *Due) { d.Recipient = "owner" }), lim(func(l *Limits) { l.Windows = weekdays }),
			time.Date(2026, 3, 4, 3, 0, 0, 0, chicago), Send, time.Time{}, ""},
		{"a holiday moves it to the next working day", base,
			lim(func(l *Limits) { l.Windows = weekdays; l.Holidays = map[string]bool{"2026-03-04": true} }),
			now, Wait, time.Date(2026, 3, 5, 9, 0, 0, 0, chicago), "holiday"},
		{"too late after an outage is skipped", with(func(d *Due) { d.Due = now.Add(-8 * 24 * time.Hour) }), limits, now, Skip, time.Time{}, "too late"},
		{"max_late 0 means never too late", with(func(d *Due) { d.Due = now.Add(-80 * 24 * time.Hour) }), lim(func(l *Limits) { l.MaxLate = 0 }), now, Send, time.Time{}, ""},
		{"unknown condition never holds", with(func(d *Due) { d.Conditions = []string{"full-moon"} }), limits, now, Skip, time.Time{}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Gate(tt.due, tt.at, tt.limits)
			if v.Action != tt.action {
				t.Fatalf("action = %s (%s), want %s", v.Action, v.Reason, tt.action)
			}
			if !tt.until.IsZero() && !v.Until.Equal(tt.until) {
				t.Errorf("until = %s, want %s", v.Until.In(chicago), tt.until)
			}
			if !strings.Contains(v.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to mention %q", v.Reason, tt.reason)
			}
		})
	}
}

func TestPlanIsDeterministicAndKeepsStepOptions(t *testing.T) {
	no := false
	seqs := []config.Sequence{
		{Name: "complaint", On: "complaint", Steps: []config.Step{
			{Template: "apology"},
			{Template: "owner-alert", To: "owner"},
			{After: config.Duration{Duration: 20 * time.Hour}, Template: "owner-reminder", To: "owner", When: []string{"owner-silent", "case-open"}},
		}},
		{Name: "other", On: "inquiry", StopOnReply: &no, Steps: []config.Step{{Template: "thank-you"}}},
	}
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	a, b := Plan(seqs, "complaint", at), Plan(seqs, "complaint", at)
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("planned %d and %d steps, want 3", len(a), len(b))
	}
	for i := range a {
		if a[i].Sequence != b[i].Sequence || a[i].Step != b[i].Step || !a[i].Due.Equal(b[i].Due) {
			t.Errorf("plan differs on step %d", i)
		}
	}
	if !a[0].StopOnReply || a[1].StopOnReply || a[1].Recipient != "owner" {
		t.Errorf("customer steps stop on reply, owner steps do not: %+v", a[:2])
	}
	if !a[2].Due.Equal(at.Add(20*time.Hour)) || len(a[2].Conditions) != 2 {
		t.Errorf("reminder = %+v", a[2])
	}
	if p := Plan(seqs, "inquiry", at); len(p) != 1 || p[0].StopOnReply {
		t.Errorf("stop_on_reply=false not kept: %+v", p)
	}
}
