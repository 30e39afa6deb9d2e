package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

func TestDecideDueDecidesEachDueFollowUp(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	weekdays, _ := config.ParseSendHours("Mon-Fri 09:00-17:00")
	// Wednesday 2026-03-04 10:00 in Chicago.
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, chicago)
	trig := now.Add(-20 * time.Hour)
	base := core.Followup{Recipient: core.ToCustomer, Event: core.EventInquiry, StopOnReply: true, TriggerTime: trig, TriggerSeq: 10,
		Due: now, Customer: core.Customer{InboundSeq: 10}}
	limits := Limits{Loc: chicago, MinGap: 24 * time.Hour, MaxLate: 7 * 24 * time.Hour}
	with := func(f func(*core.Followup)) core.Followup { d := base; f(&d); return d }
	lim := func(f func(*Limits)) Limits { l := limits; f(&l); return l }
	open := &core.Case{ID: 1}
	resolved := &core.Case{ID: 1, Resolved: now}

	tests := []struct {
		name   string
		due    core.Followup
		facts  DueFacts
		limits Limits
		at     time.Time
		action core.Action
		until  time.Time
		reason string
	}{
		{"a plain due follow-up goes", base, DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"opted-out customer gets nothing", with(func(d *core.Followup) { d.Customer.OptedOut = now }), DueFacts{}, limits, now, core.Cancel, time.Time{}, "opted out"},
		{"bouncing address gets nothing", with(func(d *core.Followup) { d.Customer.Bouncing = now }), DueFacts{}, limits, now, core.Cancel, time.Time{}, "bounces"},
		{"a reply stops the sequence", with(func(d *core.Followup) { d.Customer.InboundSeq = 11 }), DueFacts{}, limits, now, core.Cancel, time.Time{}, "replied"},
		{"a reply does not stop stop_on_reply=false", with(func(d *core.Followup) { d.Customer.InboundSeq = 11; d.StopOnReply = false }), DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"first-time holds for a first-timer", with(func(d *core.Followup) { d.Conditions = []core.Condition{core.IfFirstTime}; d.FirstTime = true }), DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"first-time skips a repeat customer", with(func(d *core.Followup) { d.Conditions = []core.Condition{core.IfFirstTime} }), DueFacts{}, limits, now, core.Skip, time.Time{}, "first-time"},
		{"repeat skips a first-timer", with(func(d *core.Followup) { d.Conditions = []core.Condition{core.IfRepeat}; d.FirstTime = true }), DueFacts{}, limits, now, core.Skip, time.Time{}, "repeat"},
		{"vip skips a non-VIP", with(func(d *core.Followup) { d.Conditions = []core.Condition{core.IfVIP} }), DueFacts{}, limits, now, core.Skip, time.Time{}, "VIP"},
		{"vip holds for a VIP", with(func(d *core.Followup) { d.Conditions = []core.Condition{core.IfVIP}; d.Customer.VIP = true }), DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"no-reply skips when the customer wrote", with(func(d *core.Followup) {
			d.Conditions = []core.Condition{core.IfNoReply}
			d.StopOnReply = false
			d.Customer.InboundSeq = 12
		}), DueFacts{}, limits, now, core.Skip, time.Time{}, "wrote since"},
		{"owner reminder goes when nobody answered", with(func(d *core.Followup) {
			d.Recipient, d.Event = core.ToOwner, core.EventComplaint
			d.Conditions = []core.Condition{core.IfOwnerSilent, core.IfCaseOpen}
		}), DueFacts{OpenCase: open, Case: open}, limits, now, core.Send, time.Time{}, ""},
		{"owner reminder skipped after a Bcc'd answer", with(func(d *core.Followup) {
			d.Recipient, d.Event = core.ToOwner, core.EventComplaint
			d.Conditions = []core.Condition{core.IfOwnerSilent, core.IfCaseOpen}
			d.Customer.OwnerSeq = 11
		}), DueFacts{OpenCase: open, Case: open}, limits, now, core.Skip, time.Time{}, "owner answered"},
		{"owner reminder skipped once resolved", with(func(d *core.Followup) {
			d.Recipient, d.Event = core.ToOwner, core.EventComplaint
			d.Conditions = []core.Condition{core.IfOwnerSilent, core.IfCaseOpen}
		}), DueFacts{Case: resolved}, limits, now, core.Skip, time.Time{}, "resolved"},
		{"case-resolved holds after resolution", with(func(d *core.Followup) {
			d.Event, d.Conditions = core.EventResolved, []core.Condition{core.IfCaseResolved}
		}), DueFacts{Case: resolved}, limits, now, core.Send, time.Time{}, ""},
		{"no feedback request while a complaint is open", base, DueFacts{OpenCase: open}, limits, now, core.Wait, now.Add(openCaseRecheck), "open complaint"},
		{"the apology goes despite the open case", with(func(d *core.Followup) { d.Event = core.EventComplaint }), DueFacts{OpenCase: open}, limits, now, core.Send, time.Time{}, ""},
		{"min_gap holds a second email", with(func(d *core.Followup) { d.Customer.LastAuto = now.Add(-2 * time.Hour) }), DueFacts{}, limits, now, core.Wait, now.Add(22 * time.Hour), "min_gap"},
		{"min_gap does not hold a complaint's apology", with(func(d *core.Followup) {
			d.Customer.LastAuto = now.Add(-2 * time.Hour)
			d.Event = core.EventComplaint
		}), DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"min_gap does not hold owner mail", with(func(d *core.Followup) { d.Customer.LastAuto = now.Add(-2 * time.Hour); d.Recipient = core.ToOwner }), DueFacts{}, limits, now, core.Send, time.Time{}, ""},
		{"daily cap waits for tomorrow", base, DueFacts{SentToday: 3}, lim(func(l *Limits) { l.DailyCap = 3 }), now, core.Wait,
			time.Date(2026, 3, 5, 0, 0, 0, 0, chicago), "daily_cap"},
		{"a follow-up due at 03:00 moves to 09:00", base, DueFacts{}, lim(func(l *Limits) { l.Windows = weekdays }),
			time.Date(2026, 3, 4, 3, 0, 0, 0, chicago), core.Wait, time.Date(2026, 3, 4, 9, 0, 0, 0, chicago), "send_hours"},
		{"owner alerts ignore send hours", with(func(d *core.Followup) { d.Recipient = core.ToOwner }), DueFacts{}, lim(func(l *Limits) { l.Windows = weekdays }),
			time.Date(2026, 3, 4, 3, 0, 0, 0, chicago), core.Send, time.Time{}, ""},
		{"a holiday moves it to the next working day", base, DueFacts{},
			lim(func(l *Limits) { l.Windows = weekdays; l.Holidays = map[string]bool{"2026-03-04": true} }),
			now, core.Wait, time.Date(2026, 3, 5, 9, 0, 0, 0, chicago), "holiday"},
		{"too late after an outage is skipped", with(func(d *core.Followup) { d.Due = now.Add(-8 * 24 * time.Hour) }), DueFacts{}, limits, now, core.Skip, time.Time{}, "too late"},
		{"max_late 0 means never too late", with(func(d *core.Followup) { d.Due = now.Add(-80 * 24 * time.Hour) }), DueFacts{}, lim(func(l *Limits) { l.MaxLate = 0 }), now, core.Send, time.Time{}, ""},
		{"unknown condition never holds", with(func(d *core.Followup) { d.Conditions = []core.Condition{"full-moon"} }), DueFacts{}, limits, now, core.Skip, time.Time{}, "unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Policy{limits: tt.limits, lang: core.English}
			f := tt.due
			v := p.DecideDue(&f, tt.facts, tt.at)
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

func TestDueMailIsWrittenInTheCustomersLanguageAndOwnerMailInTheOwners(t *testing.T) {
	p := &Policy{lang: core.French, limits: Limits{Loc: time.UTC}}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		to   core.Recipient
		lang core.Lang
		want core.Lang
	}{
		{"a German customer gets German", core.ToCustomer, core.German, core.German},
		{"a customer whose language is not known gets the owner's", core.ToCustomer, "", core.French},
		{"the owner gets theirs, whatever the customer speaks", core.ToOwner, core.German, core.French},
	} {
		f := core.Followup{Recipient: tt.to, Event: core.EventInquiry, Due: now, Customer: core.Customer{Language: tt.lang}}
		if v := p.DecideDue(&f, DueFacts{}, now); v.Lang != tt.want {
			t.Errorf("%s: language %q, want %q", tt.name, v.Lang, tt.want)
		}
	}
}

func TestTheLimitsHoldNewRecipientsAndRollUpOwnerAlerts(t *testing.T) {
	now := time.Date(2026, 3, 4, 16, 0, 0, 0, time.UTC)
	p := &Policy{lang: core.English, limits: Limits{Loc: time.UTC, NewPerHour: 30, OwnerAlertsPerHour: 10}}
	fresh := core.Followup{Recipient: core.ToCustomer, Event: core.EventInquiry, Due: now, Customer: core.Customer{ID: 9, Email: "new@example.com"}}
	known := fresh
	known.Customer.FirstAuto, known.Customer.LastAuto = now.Add(-72*time.Hour), now.Add(-72*time.Hour)
	answered := fresh
	answered.Customer.LastOwner = now.Add(-time.Hour) // the owner wrote to them
	apology := fresh
	apology.Event = core.EventComplaint
	released := fresh
	released.Released = true
	alert := core.Followup{Recipient: core.ToOwner, Event: core.EventComplaint, Sequence: "complaint", Template: "owner-alert", Due: now, Customer: fresh.Customer}
	surge := alert
	surge.Sequence, surge.Template = SurgeSequence, SurgeTemplate
	off := &Policy{lang: core.English, limits: Limits{Loc: time.UTC}}
	for _, tt := range []struct {
		name  string
		p     *Policy
		f     core.Followup
		facts DueFacts
		want  core.Action
		surge bool
	}{
		{"the 30th new address", p, fresh, DueFacts{NewRecipients: 29}, core.Send, false},
		{"the 31st new address", p, fresh, DueFacts{NewRecipients: 30}, core.Hold, true},
		{"a complaint's apology counts too", p, apology, DueFacts{NewRecipients: 30}, core.Hold, true},
		{"a customer written to before", p, known, DueFacts{NewRecipients: 500}, core.Send, false},
		{"a customer the owner answered", p, answered, DueFacts{NewRecipients: 500}, core.Send, false},
		{"released by the owner", p, released, DueFacts{NewRecipients: 500}, core.Send, false},
		{"no limit", off, fresh, DueFacts{NewRecipients: 5000}, core.Send, false},
		{"the 10th owner alert", p, alert, DueFacts{OwnerAlerts: 9}, core.Send, false},
		{"the 11th owner alert", p, alert, DueFacts{OwnerAlerts: 10}, core.Skip, true},
		{"the surge alert itself", p, surge, DueFacts{OwnerAlerts: 10}, core.Send, false},
		{"no owner alert limit", off, alert, DueFacts{OwnerAlerts: 100}, core.Send, false},
	} {
		v := tt.p.DecideDue(&tt.f, tt.facts, now)
		if v.Action != tt.want || v.Surge != tt.surge {
			t.Errorf("%s: %s (surge %v, %q), want %s (surge %v)", tt.name, v.Action, v.Surge, v.Reason, tt.want, tt.surge)
		}
		if v.Action == core.Skip && !strings.HasPrefix(v.Reason, RolledUp) {
			t.Errorf("%s: a rolled-up alert's reason %q does not start with %q", tt.name, v.Reason, RolledUp)
		}
	}
}

func TestTheSurgeAlertGoesOnceAnHourAtMost(t *testing.T) {
	p := &Policy{limits: Limits{Loc: time.UTC}}
	f := &core.Followup{Customer: core.Customer{ID: 3}}
	now := time.Date(2026, 3, 4, 16, 55, 0, 0, time.UTC)
	a := p.SurgeAlert(f, now, time.Time{})
	b := p.SurgeAlert(f, now.Add(3*time.Minute), time.Time{})
	if a.TriggerKey != b.TriggerKey || !a.Due.Equal(now.Add(SurgeDelay)) || a.Recipient != core.ToOwner {
		t.Errorf("two holds in a row plan %+v and %+v, want one alert due %s", a, b, now.Add(SurgeDelay))
	}
	// The first went at 17:05; a hold at 17:20 plans the next for 18:05.
	c := p.SurgeAlert(f, now.Add(25*time.Minute), a.Due)
	if c.TriggerKey == a.TriggerKey || !c.Due.Equal(a.Due.Add(time.Hour)) {
		t.Errorf("after one was sent: %+v, want a new one due %s", c, a.Due.Add(time.Hour))
	}
}
