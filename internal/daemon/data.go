package daemon

import (
	"fmt"
	"net/mail"
	"time"

	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/templates"
)

// templateData fills what a template may use for follow-up f.
func (d *Daemon) templateData(f *store.Followup, k *store.Case, now time.Time, lv *Prepared) templates.Data {
	c := f.Customer
	data := templates.Data{
		Customer: templateCustomer(c, f.FirstTime),
		Business: lv.business(),
		Message: templates.Message{Subject: f.ThreadSubject, Date: f.ThreadDate, Category: f.ThreadCategory,
			From: (&mail.Address{Name: c.Name, Address: c.Email}).String(), Text: f.ThreadExcerpt},
		Followup: templates.Followup{Sequence: f.Sequence, Template: f.Template, Step: f.Step},
		Promise:  promise(lv.cfg.Business.Promise.Duration),
		Now:      now,
	}
	if k != nil {
		data.Case = templateCase(k, now)
	}
	if f.Recipient == "customer" {
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

// templateCustomer is customer c as the templates see it; first says it
// was their first contact.
func templateCustomer(c store.Customer, first bool) templates.Customer {
	return templates.Customer{Name: c.Name, FirstName: templates.FirstName(c.Name), Email: c.Email,
		FirstTime: first, Repeat: !first, VIP: c.VIP, Contacts: c.Contacts, Purchases: c.Purchases}
}

// templateCase is case k as the templates see it at now.
func templateCase(k *store.Case, now time.Time) *templates.Case {
	return &templates.Case{ID: k.ID, Opened: k.Opened, Age: templates.Age(now.Sub(k.Opened)), Subject: k.Subject, Resolved: k.Resolved}
}

// promise words the promised answer time: "within 24 hours", "within 2 days".
func promise(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		return fmt.Sprintf("within %d days", d/(24*time.Hour))
	case d%time.Hour == 0:
		if d == time.Hour {
			return "within the hour"
		}
		return fmt.Sprintf("within %d hours", d/time.Hour)
	}
	return fmt.Sprintf("within %d minutes", d/time.Minute)
}
