package faulttest

import (
	"bytes"
	"net/mail"
	"strings"
)

type sentMail struct {
	MsgID     string // no brackets
	To        string // lower-case address
	InReplyTo string
}

// sentMails parses every captured message's headers.
func (e *env) sentMails() []sentMail {
	e.t.Helper()
	var out []sentMail
	for _, c := range e.smtp.Messages() {
		m, err := mail.ReadMessage(bytes.NewReader(c.Data))
		if err != nil {
			e.t.Fatalf("captured message does not parse: %v\n%s", err, c.Data)
		}
		to := ""
		if a, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
			to = strings.ToLower(a.Address)
		}
		out = append(out, sentMail{MsgID: strings.Trim(m.Header.Get("Message-ID"), "<> "), To: to,
			InReplyTo: strings.Trim(m.Header.Get("In-Reply-To"), "<> ")})
	}
	return out
}

// checkAnsweredOnce checks that the capture holds exactly one follow-up
// for each inquiry in qs and nothing else, and that the database agrees:
// each inquiry recorded once, its one follow-up sent with the captured
// Message-ID.
func (e *env) checkAnsweredOnce(qs []inquiry) {
	e.t.Helper()
	s := e.mustSnap()
	byTrigger := map[string]sentMail{}
	for _, m := range e.sentMails() {
		if prev, dup := byTrigger[m.InReplyTo]; dup {
			e.t.Errorf("%s answered twice: %s and %s", m.InReplyTo, prev.MsgID, m.MsgID)
		}
		byTrigger[m.InReplyTo] = m
	}
	want := map[string]inquiry{}
	for _, q := range qs {
		want[q.MsgID] = q
		m, ok := byTrigger[q.MsgID]
		switch {
		case !ok:
			e.t.Errorf("%s from %s was never answered", q.MsgID, q.Customer)
		case m.To != q.Customer:
			e.t.Errorf("the answer to %s went to %s, want %s", q.MsgID, m.To, q.Customer)
		}
	}
	for trig, m := range byTrigger {
		if _, ok := want[trig]; !ok {
			e.t.Errorf("unexpected mail %s to %s (in reply to %q)", m.MsgID, m.To, trig)
		}
	}
	seen := map[string]int{}
	for _, m := range s.Messages {
		seen[m.MsgID]++
	}
	for _, q := range qs {
		if seen[q.MsgID] != 1 {
			e.t.Errorf("%s is in the messages table %d times, want 1", q.MsgID, seen[q.MsgID])
		}
	}
	if len(s.Messages) != len(qs) {
		e.t.Errorf("the messages table has %d rows, want %d", len(s.Messages), len(qs))
	}
	fus := map[string][]followupRow{}
	for _, f := range s.Followups {
		fus[f.Trigger] = append(fus[f.Trigger], f)
	}
	for _, q := range qs {
		f := fus[q.MsgID]
		if len(f) != 1 || f[0].State != "sent" || f[0].MsgID != byTrigger[q.MsgID].MsgID {
			e.t.Errorf("follow-ups of %s: %+v, want one, sent as %s", q.MsgID, f, byTrigger[q.MsgID].MsgID)
		}
	}
	if len(s.Followups) != len(qs) {
		e.t.Errorf("the followups table has %d rows, want %d", len(s.Followups), len(qs))
	}
}
