package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
)

// reviewRow is one thing kept for the owner: a message (kind is the
// message's), or a follow-up a limit holds (kind "held"). Approve is the
// argument of followupd approve that applies or releases it, "" when
// approving it means nothing.
type reviewRow struct {
	ID       int64  `json:"id"`
	Kind     string `json:"kind"`
	Received string `json:"received"`
	From     string `json:"from"`
	Subject  string `json:"subject"`
	Why      string `json:"why"`
	Approve  string `json:"approve,omitempty"`
}

func cmdReview(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("review", stderr)
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print a JSON array")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	st, done, ok := openStore(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	msgs, err := st.ForReview(ctx)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	held, err := st.HeldFollowups(ctx, 10000)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	rows, at := []reviewRow{}, []time.Time{}
	for _, m := range msgs {
		r := reviewRow{ID: m.ID, Kind: string(m.Kind), Received: m.Ingested.UTC().Format(time.RFC3339), From: m.From, Subject: m.Subject, Why: m.SkipReason}
		if m.Kind == core.KindUnverified {
			r.Approve = strconv.FormatInt(m.ID, 10)
		}
		rows, at = append(rows, r), append(at, m.Ingested)
	}
	for _, f := range held {
		rows = append(rows, reviewRow{ID: f.ID, Kind: string(core.Held), Received: f.NotBefore.UTC().Format(time.RFC3339), From: f.Customer.Email,
			Subject: f.Template + ": " + f.Thread.Subject, Why: f.LastError, Approve: "f" + strconv.FormatInt(f.ID, 10)})
		at = append(at, f.NotBefore)
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(rows)
		return 0
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "nothing to review")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APPROVE\tKIND\tWHEN\tFROM/TO\tSUBJECT\tWHY")
	for i, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", or(r.Approve, "-"), r.Kind, when(at[i]), r.From, r.Subject, r.Why)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\n`followupd approve ID` applies unverified owner mail as yours, or sends a held follow-up (fID); -all sends every held one.\n"+
		"Held follow-ups not approved expire after a day. Forwards whose customer was not found are for you to forward again.")
	return 0
}

func cmdApprove(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("approve", stderr)
	cfgPath := fs.String("config", "", "config file")
	allHeld := fs.Bool("all", false, "send every follow-up a limit holds")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) == 0 && !*allHeld {
		fmt.Fprintln(stderr, "usage: followupd approve [-all] ID...   (the IDs `followupd review` lists: 12 for a message, f34 for a held follow-up)")
		return 2
	}
	var msgs, held []int64
	for _, a := range rest {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToLower(a), "f"), 10, 64)
		switch {
		case err != nil || n <= 0:
			fmt.Fprintf(stderr, "approve: %q is not an ID `followupd review` lists (12 for a message, f34 for a held follow-up)\n", a)
			return 2
		case strings.HasPrefix(strings.ToLower(a), "f"):
			held = append(held, n)
		default:
			msgs = append(msgs, n)
		}
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	for _, id := range msgs {
		notes, err := daemon.Approve(ctx, st, cfg, id, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "approve:", err)
			return 1
		}
		fmt.Fprintf(stdout, "message %d approved and applied as the owner's:\n", id)
		for _, n := range notes {
			fmt.Fprintln(stdout, "  "+n)
		}
	}
	if len(held) > 0 || *allHeld {
		fs, err := daemon.ReleaseHeld(ctx, st, held, *allHeld, time.Now())
		if err != nil {
			fmt.Fprintln(stderr, "approve:", err)
			return 1
		}
		for _, f := range fs {
			fmt.Fprintf(stdout, "follow-up f%d (%s to %s) released: it goes now\n", f.ID, f.Template, f.Customer.Email)
		}
		if len(fs) == 0 {
			fmt.Fprintln(stdout, "no follow-up is held")
		}
	}
	return 0
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
