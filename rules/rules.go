// Package rules is followupd's policy, kept pure: given a parsed message,
// what followupd knows and the time, it decides what the message is, who
// the customer is, whether it must not be answered, which follow-ups to
// plan, and whether a due follow-up may go now. It does no I/O and reads no
// clock; every input is passed in.
package rules

import (
	"strings"
)

// Policy is the part of the configuration classification needs.
type Policy struct {
	// Owner holds the owner's addresses (owner_email and aliases).
	Owner []string
	// Self holds followupd's own addresses (the mailbox, smtp.from).
	Self []string
	// AnyForwarder treats a forward from any sender as the owner's; used
	// by `followupd inspect` without a config.
	AnyForwarder bool
}

func (p Policy) isOwner(addr string) bool { return contains(p.Owner, addr) }
func (p Policy) isSelf(addr string) bool  { return contains(p.Self, addr) }

func contains(list []string, addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	for _, a := range list {
		if strings.EqualFold(strings.TrimSpace(a), addr) {
			return true
		}
	}
	return false
}
