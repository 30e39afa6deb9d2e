package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules"
)

// reading measures f: how long rules.Decide takes to read a customer's
// message (language, category and evidence included), in this process,
// over the generated mail and over messages whose size or script could
// make it slow: an empty body, a subject alone, one line of 1 MB, 200 KB
// of ordinary paragraphs, and text in a script no cue file knows.
func (b *bench) reading() error {
	cfg := config.Default()
	cfg.Business.OwnerEmail = "owner@example.test"
	cfg.IMAP.Username = "shop@example.test"
	cfg.SMTP.From = "Acme Bikes <shop@example.test>"
	p, err := rules.New(cfg, nil)
	if err != nil {
		return err
	}
	n := 2000
	if b.o.short {
		n = 300
	}
	g := newGen(7, "read", 500)
	var msgs []*inbox.Message
	for range n {
		m, err := inbox.ParseBytes(g.next())
		if err == nil {
			msgs = append(msgs, m)
		}
	}
	all := timeEach(p, msgs, 1)
	b.rep.add("f", fmt.Sprintf("reading a message (rules.Decide), median / p99 over %d generated messages", len(msgs)),
		fmt.Sprintf("%s / %s", round(percentile(all, 50)), round(percentile(all, 99))), "", nil)

	para := "Hello, I ordered the blue city bike three weeks ago and it still has not arrived; the tracking has not moved since Monday. "
	cases := []struct{ name, subject, body string }{
		{"a typical 1 KB message", "Where is my order?", strings.Repeat(para, 8)},
		{"an empty body", "Where is my order?", ""},
		{"a subject alone", "Broken lid", ""},
		{"one line of 1 MB", "Question", strings.Repeat("word ", 200<<10)},
		{"200 KB of paragraphs", "Question", strings.Repeat(para+"\n\n", 1600)},
		{"a script no cue file knows (Greek, 4 KB)", "Ερώτηση", strings.Repeat("Γεια σας, πότε θα φτάσει η παραγγελία μου; ", 90)},
	}
	base := time.Duration(0)
	for i, c := range cases {
		raw := "From: Ana <ana@example.com>\r\nTo: shop@example.test\r\nSubject: " + c.subject +
			"\r\nMessage-ID: <r" + fmt.Sprint(i) + "@example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + c.body
		m, err := inbox.ParseBytes([]byte(raw))
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		ts := timeEach(p, []*inbox.Message{m}, 50)
		med := percentile(ts, 50)
		if i == 0 {
			base = med
		}
		value := round(med).String()
		target, met := "", (*bool)(nil)
		if i > 0 && base > 0 {
			ratio := float64(med) / float64(base)
			value = fmt.Sprintf("%s (%.1f× the typical message)", round(med), ratio)
			target, met = "bounded: ≤ 30× the typical message", ptr(ratio <= 30)
		}
		b.rep.add("f", "reading "+c.name+", median", value, target, met)
	}
	b.rep.note("f: in-process, one goroutine; only the first %d KiB of a customer's own words are read, so the cost stops growing with the body; the cue files are compiled once, before the first measurement", 16)
	return nil
}

// timeEach times p.Decide over msgs, rounds times each.
func timeEach(p *rules.Policy, msgs []*inbox.Message, rounds int) []time.Duration {
	var out []time.Duration
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	p.Decide(msgs[0], rules.Facts{At: at}, nobody{}) // compile the cue files first
	for range rounds {
		for _, m := range msgs {
			start := time.Now()
			p.Decide(m, rules.Facts{At: at}, nobody{})
			out = append(out, time.Since(start))
		}
	}
	slices.Sort(out)
	return out
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, len(sorted)*p/100)]
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d > 100*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d.Round(100 * time.Nanosecond)
}

// nobody is a store that knows no one: every message is a first contact.
type nobody struct{}

func (nobody) Customer(string) (core.Customer, bool, error) { return core.Customer{}, false, nil }
func (nobody) OpenCase(int64) (*core.Case, error)           { return nil, nil }
func (nobody) Latest(int64) (*core.Contact, error)          { return nil, nil }
func (nobody) Forgotten(string) (bool, error)               { return false, nil }
