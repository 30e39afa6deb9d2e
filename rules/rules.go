// Package rules is followupd's policy, kept pure: given a parsed message,
// what followupd knows and the time, it decides what the message is, who
// the customer is, whether it must not be answered, and which follow-ups to
// plan. It does no I/O and reads no clock; every input is passed in.
package rules

import (
	"net/mail"
	"strings"

	"github.com/followupd/followupd/inbox"
)

// Policy is the part of the configuration classification needs.
type Policy struct {
	// Owner holds the owner's addresses (owner_email and aliases).
	Owner []string
	// Self holds followupd's own addresses (the mailbox, smtp.from).
	Self []string
}

// Decision is what Classify made of a message.
type Decision struct {
	Category  string        // inquiry | purchase | complaint | feedback | other
	Customer  inbox.Address // who the follow-ups go to
	FromOwner bool          // the owner wrote it
	// Skip, when not empty, is why nothing may answer this message.
	Skip string
}

// Classify decides what a message is. Until classification rules exist,
// every customer message is an inquiry; mail that must never be answered
// (RFC 3834: automatic replies, bulk and list mail, our own mail) gets a
// skip reason.
func Classify(m *inbox.Message, p Policy) Decision {
	d := Decision{Category: "inquiry", Customer: m.From}
	from := strings.ToLower(m.From.Email)
	switch {
	case from == "":
		d.Skip = "no sender address"
	case contains(p.Self, from):
		d.Skip = "sent by followupd's own address"
	case contains(p.Owner, from):
		d.FromOwner = true
		d.Skip = "from the owner"
	default:
		d.Skip = automatic(m)
	}
	return d
}

// automatic returns why a message was written by a machine, or "".
func automatic(m *inbox.Message) string {
	h := func(k string) string { return strings.ToLower(strings.TrimSpace(m.Header.Get(k))) }
	if v := h("Auto-Submitted"); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	switch h("Precedence") {
	case "bulk", "list", "junk", "auto_reply":
		return "Precedence: " + h("Precedence")
	}
	if h("List-Id") != "" || h("List-Unsubscribe") != "" {
		return "mailing list"
	}
	if h("X-Autoreply") != "" || h("X-Autorespond") != "" {
		return "auto-reply header"
	}
	if strings.TrimSpace(m.Header.Get("Return-Path")) == "<>" {
		return "null Return-Path (bounce or automatic)"
	}
	local, _, _ := strings.Cut(strings.ToLower(m.From.Email), "@")
	switch {
	case local == "mailer-daemon" || local == "postmaster":
		return "sender " + local
	case strings.Contains(strings.NewReplacer("-", "", "_", "", ".", "").Replace(local), "noreply") ||
		strings.Contains(strings.NewReplacer("-", "", "_", "", ".", "").Replace(local), "donotreply"):
		return "no-reply sender"
	case strings.HasSuffix(local, "-request") || strings.HasPrefix(local, "owner-"):
		return "list robot sender"
	}
	return ""
}

func contains(list []string, addr string) bool {
	for _, a := range list {
		if strings.EqualFold(strings.TrimSpace(a), addr) {
			return true
		}
	}
	return false
}

// AddressOf returns the bare address of an RFC 5322 address ("Pam
// <pam@x>" gives "pam@x"), lower-cased; the input itself if it does not parse.
func AddressOf(s string) string {
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	return strings.ToLower(strings.TrimSpace(s))
}
