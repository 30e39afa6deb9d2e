package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
)

type reviewRow struct {
	ID       int64     `json:"id"`
	Kind     core.Kind `json:"kind"`
	Received string    `json:"received"`
	From     string    `json:"from"`
	Subject  string    `json:"subject"`
	Why      string    `json:"why"`
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
	rows := []reviewRow{}
	for _, m := range msgs {
		rows = append(rows, reviewRow{ID: m.ID, Kind: m.Kind, Received: m.Ingested.UTC().Format(time.RFC3339), From: m.From, Subject: m.Subject, Why: m.SkipReason})
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
	fmt.Fprintln(tw, "ID\tRECEIVED\tFROM\tSUBJECT\tWHY")
	for i, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", r.ID, when(msgs[i].Ingested), r.From, r.Subject, r.Why)
	}
	tw.Flush()
	fmt.Fprintln(stdout, "\n`followupd approve ID` applies unverified owner mail as yours; forwards whose customer was not found are for you to forward again.")
	return 0
}

func cmdApprove(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("approve", stderr)
	cfgPath := fs.String("config", "", "config file")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd approve ID   (the ID `followupd review` lists)")
		return 2
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		fmt.Fprintf(stderr, "approve: %q is not a message ID (`followupd review` lists them)\n", rest[0])
		return 2
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	notes, err := daemon.Approve(ctx, st, cfg, id, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "approve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "message %d approved and applied as the owner's:\n", id)
	for _, n := range notes {
		fmt.Fprintln(stdout, "  "+n)
	}
	return 0
}
