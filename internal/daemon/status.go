package daemon

import (
	"context"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
)

// Report is what `followupd status` prints; its JSON form is a stable
// interface for scripts and monitoring.
type Report struct {
	Customers int `json:"customers"`
	Messages  int `json:"messages"`
	Skipped   int `json:"skipped"`
	Malformed int `json:"malformed"`
	Review    int `json:"review"` // mail kept for the owner: unverified owner mail, forwards whose customer was not found
	// Unverified counts mail from the owner's address not verified as the
	// owner's, waiting for followupd approve (part of Review).
	Unverified int                `json:"unverified_owner_mail"`
	OpenCases  int                `json:"open_cases"` // complaints not yet resolved
	Followups  map[core.State]int `json:"followups"`
	IMAP       IMAPReport         `json:"imap"`
}

// IMAPReport says how fresh the mailbox view is.
type IMAPReport struct {
	LastSync string `json:"last_sync"` // RFC 3339, or "" if never synced
}

// Status reads the report from the store.
func Status(ctx context.Context, st *store.Store) (Report, error) {
	s, err := st.Stats(ctx)
	if err != nil {
		return Report{}, err
	}
	r := Report{Customers: s.Customers, Messages: s.Messages, Skipped: s.Skipped, Malformed: s.Malformed, Review: s.Review, Unverified: s.Unverified, OpenCases: s.OpenCases, Followups: s.Followups}
	if !s.LastSync.IsZero() {
		r.IMAP.LastSync = s.LastSync.UTC().Format(time.RFC3339)
	}
	return r, nil
}
