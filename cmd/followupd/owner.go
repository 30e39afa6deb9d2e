package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
	"github.com/followupd/followupd/internal/store"
)

// openStore loads the config and opens its database for a CLI command.
func openStore(ctx context.Context, cfgPath string, stderr io.Writer) (*store.Store, func(), bool) {
	st, _, done, ok := openStoreConfig(ctx, cfgPath, stderr)
	return st, done, ok
}

// openStoreConfig is openStore that also returns the config.
func openStoreConfig(ctx context.Context, cfgPath string, stderr io.Writer) (*store.Store, *config.Config, func(), bool) {
	cfg, ok := loadOffline(cfgPath, stderr)
	if !ok {
		return nil, nil, nil, false
	}
	if _, err := os.Stat(cfg.Store.Path); err != nil {
		fmt.Fprintf(stderr, "no database at %s: has followupd run yet? (%v)\n", cfg.Store.Path, err)
		return nil, nil, nil, false
	}
	st, err := store.Open(ctx, cfg.Store.Path)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, nil, nil, false
	}
	return st, cfg, func() { st.Close() }, true
}

// recipientAddress is where a follow-up goes.
func recipientAddress(f *core.Followup, cfg *config.Config) string {
	if f.Recipient == core.ToOwner {
		return cfg.Business.OwnerEmail
	}
	return f.Customer.Email
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

type queueRow struct {
	ID        int64          `json:"id"`
	Due       string         `json:"due"`
	SendAt    string         `json:"send_at"`
	Sequence  string         `json:"sequence"`
	Step      int            `json:"step"`
	Template  string         `json:"template"`
	To        string         `json:"to"`        // the address it goes to
	Recipient core.Recipient `json:"recipient"` // customer | owner
	Customer  string         `json:"customer"`
	State     core.State     `json:"state"`
	Note      string         `json:"note,omitempty"`
}

func cmdQueue(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("queue", stderr)
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print a JSON array")
	limit := fs.Int("n", 200, "show at most this many")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	fs2, err := st.Queue(ctx, *limit)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	rows := []queueRow{}
	for _, f := range fs2 {
		rows = append(rows, queueRow{ID: f.ID, Due: f.Due.Format(time.RFC3339), SendAt: f.NotBefore.Format(time.RFC3339),
			Sequence: f.Sequence, Step: f.Step, Template: f.Template, To: recipientAddress(f, cfg), Recipient: f.Recipient, Customer: f.Customer.Email,
			State: f.State, Note: f.LastError})
	}
	if *asJSON {
		json.NewEncoder(stdout).Encode(rows)
		return 0
	}
	if len(rows) == 0 {
		fmt.Fprintln(stdout, "nothing pending")
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEND AT\tSEQUENCE\tSTEP\tTEMPLATE\tTO\tCUSTOMER\tNOTE")
	for i, r := range rows {
		f := fs2[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r.ID, when(f.NotBefore), r.Sequence, r.Step, r.Template, r.To, r.Customer, r.Note)
	}
	tw.Flush()
	return 0
}

func cmdCustomer(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("customer", stderr)
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print one JSON object")
	setLang := fs.String("lang", "", "set the language the customer is written to in (ISO 639-1, e.g. de; no = nb)")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd customer [-json] [-lang xx] EMAIL")
		return 2
	}
	var lang core.Lang
	if *setLang != "" {
		l, ok := core.ParseLang(*setLang)
		if !ok {
			fmt.Fprintf(stderr, "-lang %q is not a language code (ISO 639-1, such as de or fr)\n", *setLang)
			return 2
		}
		lang = l
	}
	st, done, ok := openStore(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	if lang != "" {
		err := daemon.SetLanguage(ctx, st, rest[0], lang, time.Now())
		if errors.Is(err, store.ErrNotFound) {
			fmt.Fprintf(stderr, "no customer %s\n", rest[0])
			return 1
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		fmt.Fprintf(stderr, "%s will be written to in %s (%s)\n", rest[0], lang.Name(), lang)
	}
	t, err := st.CustomerTimeline(ctx, rest[0])
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "no customer %s\n", rest[0])
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.Encode(timelineJSON(t))
		return 0
	}
	printTimeline(stdout, t)
	return 0
}

func cmdResolve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("resolve", stderr)
	cfgPath := fs.String("config", "", "config file")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd resolve EMAIL|CASE")
		return 2
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	k, n, err := daemon.Resolve(ctx, st, cfg, rest[0], time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "resolve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "case %d (%s, %q) resolved; %d follow-up(s) planned\n", k.ID, k.Email, k.Subject, n)
	return 0
}

func cmdReclassify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("reclassify", stderr)
	cfgPath := fs.String("config", "", "config file")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 2 {
		fmt.Fprintln(stderr, "usage: followupd reclassify EMAIL CATEGORY (inquiry, purchase, complaint, feedback, other)")
		return 2
	}
	cat := core.Category(strings.ToLower(rest[1]))
	if !cat.Valid() {
		fmt.Fprintf(stderr, "%q is not a category: inquiry, purchase, complaint, feedback or other\n", rest[1])
		return 2
	}
	st, cfg, done, ok := openStoreConfig(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	r, n, err := daemon.Reclassify(ctx, st, cfg, rest[0], cat, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(stderr, "no customer %s\n", rest[0])
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "reclassify:", err)
		return 1
	}
	if !r.Changes {
		fmt.Fprintf(stdout, "%s: nothing changes: %s\n", rest[0], r.Why)
		return 0
	}
	fmt.Fprintf(stdout, "%s: %q read again as %s (was %s); pending follow-ups of the old reading cancelled, %d planned\n",
		rest[0], r.Message.Subject, r.To, r.From, n)
	if r.Why != "" {
		fmt.Fprintln(stdout, r.Why)
	}
	return 0
}

func cmdOptOut(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("optout", stderr)
	cfgPath := fs.String("config", "", "config file")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd optout EMAIL")
		return 2
	}
	st, done, ok := openStore(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	n, err := daemon.OptOut(ctx, st, rest[0], "followupd optout", time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "optout:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s opted out; %d pending follow-up(s) cancelled\n", strings.ToLower(rest[0]), n)
	return 0
}

// idCommand runs a command that takes one follow-up id; run may return a
// note to print.
func idCommand(name string, run func(ctx context.Context, st *store.Store, id int64) (string, error), okMsg string) func(context.Context, []string, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, stdout, stderr io.Writer) int {
		fs := newFlags(name, stderr)
		cfgPath := fs.String("config", "", "config file")
		rest, err := parse(fs, args)
		if err != nil {
			return 2
		}
		var id int64
		if len(rest) == 1 {
			id, err = strconv.ParseInt(rest[0], 10, 64)
		}
		if len(rest) != 1 || err != nil {
			fmt.Fprintf(stderr, "usage: followupd %s ID (a follow-up id, see followupd queue or status)\n", name)
			return 2
		}
		st, done, ok := openStore(ctx, *cfgPath, stderr)
		if !ok {
			return 1
		}
		defer done()
		note, err := run(ctx, st, id)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", name, err)
			return 1
		}
		if note != "" {
			fmt.Fprintln(stdout, note)
		}
		fmt.Fprintf(stdout, okMsg+"\n", id)
		return 0
	}
}

var (
	cmdCancel = idCommand("cancel", func(ctx context.Context, st *store.Store, id int64) (string, error) {
		return "", daemon.CancelFollowup(ctx, st, id)
	}, "follow-up %d cancelled")
	cmdRetry = idCommand("retry", func(ctx context.Context, st *store.Store, id int64) (string, error) {
		return daemon.RetryFollowup(ctx, st, id, time.Now())
	}, "follow-up %d queued to be sent again")
)

func cmdForget(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("forget", stderr)
	cfgPath := fs.String("config", "", "config file")
	rest, err := parse(fs, args)
	if err != nil {
		return 2
	}
	if len(rest) != 1 {
		fmt.Fprintln(stderr, "usage: followupd forget EMAIL")
		return 2
	}
	st, done, ok := openStore(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	f, err := daemon.Forget(ctx, st, rest[0], time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "forget:", err)
		return 1
	}
	if !f.Customer && f.Messages == 0 {
		fmt.Fprintln(stdout, "no customer or message with that address; it is remembered as forgotten, so nothing will ever be sent to it")
	} else {
		fmt.Fprintf(stdout, "forgotten: %d message(s), %d follow-up(s), %d case(s), %d feedback deleted; the address removed from %d other message(s)",
			f.Messages, f.Followups, f.Cases, f.Feedback, f.Redacted)
		if f.Held > 0 {
			fmt.Fprintf(stdout, "; %d unverified owner mail(s) naming it deleted", f.Held)
		}
		fmt.Fprintln(stdout, ".\nOnly a keyed hash of the address is kept, so that nothing is ever sent to it again.")
	}
	if !f.Checkpointed {
		fmt.Fprintln(stdout, "The write-ahead log could not be emptied now (the daemon was reading); it is on its next checkpoint.")
	}
	fmt.Fprintln(stdout, daemon.CannotErase+".")
	return 0
}
