package templates

import (
	"time"

	"github.com/followupd/followupd/internal/core"
)

// Sample returns data for a made-up first-time customer, used by Check and
// previews. Every field is set, including Case and a Digest with one entry
// in each list, so that rendering it exercises every part of a template.
func Sample() Data {
	wrote := time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)
	now := time.Date(2026, 3, 5, 9, 30, 0, 0, time.UTC)
	return Data{
		Customer: Customer{Customer: core.Customer{Name: "Ana López", Email: "ana@example.com", Contacts: 1}, FirstTime: true},
		Business: Business{Name: "Acme Bikes", OwnerName: "Pam", OwnerEmail: "owner@example.com", Address: "shop@example.com"},
		Message: Message{
			Subject:  "Do you have the blue cruiser in a medium?",
			Date:     wrote,
			From:     "Ana López <ana@example.com>",
			Text:     "Hi, do you have the blue cruiser in a medium frame? I would like to pick it up this weekend.\n\nThanks,\nAna",
			Category: core.Inquiry,
		},
		Case: &Case{Case: core.Case{ID: 42, Opened: wrote, Subject: "Do you have the blue cruiser in a medium?",
			Resolved: now.Add(-time.Hour)}},
		Followup:    Followup{Sequence: "new-contact", Template: "thank-you", Step: 1},
		Unsubscribe: "mailto:shop@example.com?subject=unsubscribe",
		Promised:    24 * time.Hour,
		Surge: &Surge{Since: now.Add(-70 * time.Minute), Limit: 30, AlertLimit: 10, HeldCount: 2, RolledUpCount: 1,
			Held: []SurgeItem{{ID: 901, Name: "Rae Moss", Email: "rae@example.org", Template: "thank-you", Subject: "Quick question"},
				{ID: 902, Email: "tom@example.net", Template: "apology", Subject: "My order is late"}},
			RolledUp: []SurgeItem{{ID: 903, Email: "tom@example.net", Template: "owner-alert", Subject: "My order is late"}}},
		Digest: &Digest{
			Date:         now,
			NewCustomers: []DigestCustomer{{Name: "Ana López", Email: "ana@example.com", First: wrote, Category: core.Inquiry}},
			OpenCases: []DigestCase{{ID: 41, Customer: "Carla Ruiz", Email: "carla@example.net", Subject: "Brake still squeaks",
				Opened: now.Add(-50 * time.Hour)}},
			Expiring: []DigestPromise{{Customer: "Carla Ruiz", Email: "carla@example.net", Subject: "Brake still squeaks",
				Due: now.Add(3 * time.Hour)}},
			Feedback: []DigestFeedback{{Customer: "Bo Chen", Email: "bo@example.org", Rating: 4,
				Text: "Quick service, the wheel runs true again.", Received: now.Add(-20 * time.Hour)}},
			Unattributed: []DigestMessage{{Subject: "Fwd: invoice question", From: "Pam <owner@example.com>", Received: now.Add(-5 * time.Hour), UID: 317}},
			Unverified: []DigestMessage{{ID: 412, Subject: "#resolved dana@example.com", From: "owner@example.com", Received: now.Add(-2 * time.Hour), UID: 318,
				Why: "Authentication-Results from mx.example.com: dmarc=fail"}},
			Suspect: []DigestMessage{{ID: 415, Subject: "Your invoice is overdue", From: "billing@bank.example", Received: now.Add(-3 * time.Hour), UID: 320,
				Why: "failed authentication: dmarc=fail"}},
			Unsure: []DigestReading{{Customer: "Gus Moe", Email: "gus@example.org", Subject: "The saddle", Category: core.Inquiry,
				Evidence: `fault "loose" +1.2; question "is that normal?" +1.0`, Received: now.Add(-7 * time.Hour)}},
			Unanswered: []DigestReading{{Customer: "Hal Ito", Email: "hal@example.net", Subject: "Hello", Category: core.Other,
				Why: "no sequence for other", Received: now.Add(-6 * time.Hour)}},
			Failed: []DigestFollowup{{ID: 7, Customer: "Dan Ode", Email: "dan@example.net", Template: "check-in",
				Error: "550 5.1.1 mailbox unavailable", When: now.Add(-12 * time.Hour)}},
			InDoubt: []DigestFollowup{{ID: 8, Customer: "Eve Park", Email: "eve@example.com", Template: "thank-you",
				Error: "connection lost after DATA", When: now.Add(-10 * time.Hour)}},
			Tomorrow: []DigestFollowup{{ID: 9, Customer: "Ana López", Email: "ana@example.com", Template: "check-in",
				When: now.Add(24 * time.Hour)}},
		},
		Now: now,
	}
}
