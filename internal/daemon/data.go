package daemon

import (
	"net/mail"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/templates"
)

// templateData fills what a template may use for follow-up f; k is its
// case, if any.
func (d *Daemon) templateData(f *core.Followup, k *core.Case, now time.Time, lv *Prepared) templates.Data {
	c := f.Customer
	data := templates.Data{
		Customer: templates.Customer{Customer: c, FirstTime: f.FirstTime},
		Business: lv.business(),
		Message: templates.Message{Subject: f.Thread.Subject, Date: f.Thread.Date, Category: f.Thread.Category,
			From: (&mail.Address{Name: c.Name, Address: c.Email}).String(), Text: f.Thread.Excerpt},
		Followup: templates.Followup{Sequence: f.Sequence, Template: f.Template, Step: f.Step},
		Promised: lv.cfg.Business.Promise.Duration,
		Now:      now,
	}
	if k != nil {
		data.Case = &templates.Case{Case: *k}
	}
	if f.Recipient == core.ToCustomer {
		// The footer shows the one-click link when there is one; otherwise
		// it asks for a "stop" reply, which followupd understands.
		_, data.Unsubscribe = d.unsubscribeLinks(c.Email, lv)
	}
	return data
}

// business is the business as the templates see it.
func (lv *Prepared) business() templates.Business {
	b := lv.cfg.Business
	return templates.Business{Name: b.Name, OwnerName: b.OwnerName, OwnerEmail: b.OwnerEmail, Address: lv.from.Address}
}
