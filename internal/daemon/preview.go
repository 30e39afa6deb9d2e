package daemon

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/templates"
)

// Preview renders every variant of a template, for a sample customer or,
// with email, for that customer as the store knows them (their latest
// message and case), in lang: by default the customer's language, else the
// owner's.
func Preview(ctx context.Context, cfg *config.Config, name, email string, lang core.Lang, now time.Time) (string, error) {
	lv, err := Prepare(cfg)
	if err != nil {
		return "", err
	}
	data := templates.Sample()
	data.Business = lv.business()
	data.Now = now
	if email != "" {
		if _, err := os.Stat(cfg.Store.Path); err != nil {
			return "", fmt.Errorf("no database at %s to find %s in", cfg.Store.Path, email)
		}
		st, err := store.Open(ctx, cfg.Store.Path)
		if err != nil {
			return "", err
		}
		defer st.Close()
		t, err := st.CustomerTimeline(ctx, email)
		if err != nil {
			return "", err
		}
		c := t.Customer
		data.Customer = templates.Customer{Customer: c, FirstTime: c.FirstTime()}
		data.Case = nil
		for i := len(t.Messages) - 1; i >= 0; i-- {
			m := t.Messages[i]
			if m.Kind == core.KindCustomer || m.Kind == core.KindForward || m.Kind == core.KindReply {
				data.Message = templates.Message{Subject: m.Subject, Date: m.Date, Category: m.Category, From: c.Email, Text: m.Excerpt}
				break
			}
		}
		if n := len(t.Cases); n > 0 {
			data.Case = &templates.Case{Case: *t.Cases[n-1]}
		}
		if lang == "" {
			lang = c.Language
		}
	}
	if lang == "" {
		lang = lv.policy.Language()
	}
	rs, err := lv.tmpl.Preview(name, lang, data)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, r := range rs {
		written := "its base file"
		if r.Lang != "" {
			written = r.Lang.Name()
		}
		fmt.Fprintf(&b, "=== %s, variant %d of %d (%s, %s)\nSubject: %s\n\n%s", name, i+1, len(rs), r.Variant, written, r.Subject, r.Text)
		if r.HTML != "" {
			fmt.Fprintf(&b, "\n--- HTML part ---\n%s\n", r.HTML)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}
