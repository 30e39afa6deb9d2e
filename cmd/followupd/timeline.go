package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

func printTimeline(w io.Writer, t *store.Timeline) {
	c := t.Customer
	kind := core.IfFirstTime
	if !c.FirstTime() {
		kind = core.IfRepeat
	}
	fmt.Fprintf(w, "%s <%s>: %s customer, %d contact(s), %d purchase(s)", c.Name, c.Email, kind, c.Contacts, c.Purchases)
	if c.VIP {
		fmt.Fprint(w, ", VIP")
	}
	switch {
	case c.Language == "":
		fmt.Fprint(w, ", language not known yet")
	case c.LanguageByOwner:
		fmt.Fprintf(w, ", writes in %s (%s, set by the owner)", c.Language.Name(), c.Language)
	default:
		fmt.Fprintf(w, ", writes in %s (%s)", c.Language.Name(), c.Language)
	}
	fmt.Fprintf(w, "\n  first contact %s, last contact %s\n", when(c.FirstContact), when(c.LastContact))
	if !c.OptedOut.IsZero() {
		fmt.Fprintf(w, "  OPTED OUT %s (%s)\n", when(c.OptedOut), c.OptOutWhy)
	}
	if !c.Bouncing.IsZero() {
		fmt.Fprintf(w, "  BOUNCING since %s (%s)\n", when(c.Bouncing), c.BounceWhy)
	}
	for _, k := range t.Cases {
		state := "OPEN"
		if !k.Open() {
			state = "resolved " + when(k.Resolved) + " by " + string(k.ResolvedBy)
		}
		fmt.Fprintf(w, "  case %d %q opened %s: %s\n", k.ID, k.Subject, when(k.Opened), state)
	}
	fmt.Fprintln(w, "messages:")
	for _, m := range t.Messages {
		line := fmt.Sprintf("  %s  %-12s %-9s %q", when(m.Ingested), m.Kind, m.Category, m.Subject)
		if m.Language != "" {
			line += " [" + string(m.Language) + "]"
		}
		if m.Unsure {
			line += " (read with doubt)"
		}
		if m.Unanswered != "" {
			line += " (not answered: " + m.Unanswered + ")"
		}
		if len(m.Tags) > 0 {
			line += " #" + strings.Join(m.Tags, " #")
		}
		if m.SkipReason != "" {
			line += " (" + m.SkipReason + ")"
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w, "follow-ups:")
	for _, f := range t.Followups {
		at := f.NotBefore
		if !f.Sent.IsZero() {
			at = f.Sent
		}
		line := fmt.Sprintf("  %d  %s  %-9s %s/%d %s to %s", f.ID, when(at), f.State, f.Sequence, f.Step, f.Template, f.Recipient)
		if f.LastError != "" {
			line += " (" + f.LastError + ")"
		}
		fmt.Fprintln(w, line)
	}
	if len(t.Feedback) > 0 {
		fmt.Fprintln(w, "feedback:")
		for _, f := range t.Feedback {
			rating := "no rating"
			if f.Rating > 0 {
				rating = strings.Repeat("★", f.Rating) + strings.Repeat("☆", 5-f.Rating)
			}
			fmt.Fprintf(w, "  %s  %s  %q\n", when(f.Received), rating, f.Text)
		}
	}
}

type jsonTime time.Time

func (t jsonTime) MarshalText() ([]byte, error) {
	if time.Time(t).IsZero() {
		return []byte(""), nil
	}
	return []byte(time.Time(t).UTC().Format(time.RFC3339)), nil
}

func timelineJSON(t *store.Timeline) any {
	c := t.Customer
	type msg struct {
		Kind       core.Kind     `json:"kind"`
		Category   core.Category `json:"category"`
		Rule       string        `json:"rule"`
		Language   core.Lang     `json:"language"`
		Unsure     bool          `json:"unsure"`
		Unanswered string        `json:"unanswered,omitempty"`
		Subject    string        `json:"subject"`
		Tags       []string      `json:"tags"`
		Skip       string        `json:"skip"`
		At         jsonTime      `json:"at"`
	}
	type fu struct {
		ID       int64          `json:"id"`
		Sequence string         `json:"sequence"`
		Step     int            `json:"step"`
		Template string         `json:"template"`
		To       core.Recipient `json:"to"`
		State    core.State     `json:"state"`
		Due      jsonTime       `json:"due"`
		SendAt   jsonTime       `json:"send_at"`
		Sent     jsonTime       `json:"sent"`
		Note     string         `json:"note"`
	}
	type kase struct {
		ID       int64    `json:"id"`
		Subject  string   `json:"subject"`
		Opened   jsonTime `json:"opened"`
		Resolved jsonTime `json:"resolved"`
		Open     bool     `json:"open"`
	}
	type fb struct {
		Rating   int      `json:"rating"`
		Text     string   `json:"text"`
		Received jsonTime `json:"received"`
	}
	out := struct {
		Email        string    `json:"email"`
		Name         string    `json:"name"`
		FirstTime    bool      `json:"first_time"`
		Repeat       bool      `json:"repeat"`
		VIP          bool      `json:"vip"`
		Language     core.Lang `json:"language"`
		LanguageSet  bool      `json:"language_set_by_owner"`
		Contacts     int       `json:"contacts"`
		Purchases    int       `json:"purchases"`
		FirstContact jsonTime  `json:"first_contact"`
		LastContact  jsonTime  `json:"last_contact"`
		OpenCase     bool      `json:"open_case"`
		OptedOut     bool      `json:"opted_out"`
		Bouncing     bool      `json:"bouncing"`
		Messages     []msg     `json:"messages"`
		Followups    []fu      `json:"followups"`
		Cases        []kase    `json:"cases"`
		Feedback     []fb      `json:"feedback"`
	}{Email: c.Email, Name: c.Name, FirstTime: c.FirstTime(), Repeat: !c.FirstTime(), VIP: c.VIP, Language: c.Language,
		LanguageSet: c.LanguageByOwner, Contacts: c.Contacts,
		Purchases: c.Purchases, FirstContact: jsonTime(c.FirstContact), LastContact: jsonTime(c.LastContact),
		OptedOut: !c.OptedOut.IsZero(), Bouncing: !c.Bouncing.IsZero(),
		Messages: []msg{}, Followups: []fu{}, Cases: []kase{}, Feedback: []fb{}}
	for _, m := range t.Messages {
		out.Messages = append(out.Messages, msg{m.Kind, m.Category, m.Rule, m.Language, m.Unsure, m.Unanswered, m.Subject,
			append([]string{}, m.Tags...), m.SkipReason, jsonTime(m.Ingested)})
	}
	for _, f := range t.Followups {
		out.Followups = append(out.Followups, fu{f.ID, f.Sequence, f.Step, f.Template, f.Recipient, f.State,
			jsonTime(f.Due), jsonTime(f.NotBefore), jsonTime(f.Sent), f.LastError})
	}
	for _, k := range t.Cases {
		out.Cases = append(out.Cases, kase{k.ID, k.Subject, jsonTime(k.Opened), jsonTime(k.Resolved), k.Open()})
		out.OpenCase = out.OpenCase || k.Open()
	}
	for _, f := range t.Feedback {
		out.Feedback = append(out.Feedback, fb{f.Rating, f.Text, jsonTime(f.Received)})
	}
	return out
}
