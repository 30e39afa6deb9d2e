package templates

import (
	"strings"
	"time"
	"unicode"
)

// Data is everything a template can use. Fields are filled by the daemon
// from the store; text from email is data, never template code.
type Data struct {
	Customer Customer
	Business Business
	Message  Message // the customer's message that started the sequence
}

// Customer is the recipient as followupd remembers them.
type Customer struct {
	Name      string // display name as they wrote it, may be empty
	FirstName string // best guess at the first name, may be empty
	Email     string
	FirstTime bool // this is their first contact
	Repeat    bool // they wrote before, or bought before
	VIP       bool
	Contacts  int
	Purchases int
}

// Business is the sender.
type Business struct {
	Name       string
	OwnerName  string
	OwnerEmail string
}

// Message is the customer's message a follow-up answers.
type Message struct {
	Subject string
	Date    time.Time
}

// Sample returns data for a made-up customer, used by Check and previews.
func Sample() Data {
	return Data{
		Customer: Customer{Name: "Ana López", FirstName: "Ana", Email: "ana@example.com", FirstTime: true, Contacts: 1},
		Business: Business{Name: "Acme Bikes", OwnerName: "Pam", OwnerEmail: "owner@example.com"},
		Message:  Message{Subject: "Do you have the blue cruiser in a medium?", Date: time.Date(2026, 3, 2, 15, 4, 5, 0, time.UTC)},
	}
}

// FirstName guesses a first name from a display name: "Ana María López"
// gives "Ana", "López, Ana" gives "Ana", "JOHN SMITH" gives "John". Names
// that do not look like a person's (an address, a company, digits) give "".
func FirstName(display string) string {
	name := strings.TrimSpace(strings.Trim(display, `"' `))
	if name == "" || strings.ContainsAny(name, "@<>") {
		return ""
	}
	if last, first, ok := strings.Cut(name, ","); ok && strings.TrimSpace(first) != "" && !strings.Contains(strings.TrimSpace(last), " ") {
		name = strings.TrimSpace(first)
	}
	fields := strings.Fields(name)
	// Skip honorifics.
	for len(fields) > 1 {
		switch strings.ToLower(strings.TrimSuffix(fields[0], ".")) {
		case "mr", "mrs", "ms", "miss", "dr", "herr", "frau", "sr", "sra", "mme", "m", "prof":
			fields = fields[1:]
			continue
		}
		break
	}
	if len(fields) == 0 {
		return ""
	}
	first := fields[0]
	letters := 0
	for _, r := range first {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == '-' || r == '\'' || r == '.' || r == '’':
		default:
			return ""
		}
	}
	if letters == 0 {
		return ""
	}
	// Tame SHOUTED names; leave mixed case ("McKenzie", "DeShawn") alone.
	if strings.ToUpper(first) == first && letters > 1 {
		rs := []rune(strings.ToLower(first))
		rs[0] = unicode.ToUpper(rs[0])
		first = string(rs)
	}
	return first
}
