// Command followupd-bench measures followupd against real servers on
// loopback and prints each figure next to its target (issue 7):
//
//	a. backlog ingest: followupd's messages/s over a pre-filled mailbox,
//	   next to a bare `UID FETCH 1:* BODY.PEEK[]` + inbox.Parse loop;
//	b. arrival-to-sent latency with IDLE, next to the IMAP server's own
//	   APPEND-to-EXISTS floor;
//	c. dispatch of pre-planned due follow-ups with no rate limit
//	   (save_sent off and on), next to a bare go-mail send loop;
//	d. the daemon's peak RSS (VmHWM of the child process) during a and
//	   with 100,000 customers and pending follow-ups stored;
//	e. the dispatcher's due queries and the ingest cost per message with
//	   an empty table and with 100,000 rows;
//	f. the time to read a customer's message (rules.Decide: language,
//	   category, evidence), median and p99, and on an empty body, a subject
//	   alone, a 1 MB single line and other sizes, to show it bounded.
//
// It starts Dovecot (or, when Dovecot is not installed, the in-process
// go-imap server, and says so) and an in-process SMTP capture, both on
// 127.0.0.1, builds ./cmd/followupd and runs `followupd run -config` as a
// child process for each measurement. Everything it starts is stopped
// when it returns, on error and on Ctrl-C.
//
//	go run ./cmd/followupd-bench [-short] [-markdown FILE] [-cpuprofile FILE -inprocess]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

// options are the sizes and switches of one run.
type options struct {
	messages   int // a: backlog size
	latency    int // b: samples
	floor      int // b: IDLE floor samples
	dispatch   int // c: follow-ups
	rows       int // d, e: customers and pending follow-ups stored
	scaleMsgs  int // e: messages ingested on the empty and the full table
	dueIters   int // e: runs of each due query
	short      bool
	markdown   string
	cpuProfile string
	inprocess  bool
	noDovecot  bool
	followupd  string
	keep       bool
	timeout    time.Duration
	only       string // comma-separated phases to run; "" = all
	conns      int    // smtp.connections; 0: followupd's default
	rounds     int    // c: followupd runs, each between bare runs
}

// want reports whether phase (a, b, c, e or f; d comes with a and e) runs.
func (o options) want(phase string) bool {
	if o.only == "" {
		return true
	}
	for _, p := range strings.Split(o.only, ",") {
		if strings.TrimSpace(p) == phase || phase == "e" && strings.TrimSpace(p) == "d" {
			return true
		}
	}
	return false
}

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}

// Main runs the benchmark; it is main without the process around it.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("followupd-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.IntVar(&o.messages, "n", 5000, "a: messages in the backlog")
	fs.IntVar(&o.latency, "latency", 200, "b: inquiries appended one by one")
	fs.IntVar(&o.dispatch, "dispatch", 2000, "c: due follow-ups to send")
	fs.IntVar(&o.rounds, "rounds", 3, "c: rounds of followupd between runs of the bare loop; the median counts")
	fs.IntVar(&o.rows, "rows", 100000, "d, e: customers and pending follow-ups in the large store")
	fs.IntVar(&o.scaleMsgs, "scale-messages", 2000, "e: messages ingested on the empty and on the large store")
	fs.BoolVar(&o.short, "short", false, "a small run for CI: 300 messages, 20 latency samples, 200 dispatches, 10k rows")
	fs.StringVar(&o.markdown, "markdown", "", "also write the table as Markdown to `FILE`")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process to `FILE` (with -inprocess it includes the daemon)")
	fs.BoolVar(&o.inprocess, "inprocess", false, "run the daemon inside this process instead of as a child (for -cpuprofile; no RSS figures)")
	fs.BoolVar(&o.noDovecot, "no-dovecot", false, "use the in-process IMAP server even if Dovecot is installed")
	fs.StringVar(&o.followupd, "followupd", "", "use this followupd `BINARY` instead of building ./cmd/followupd")
	fs.IntVar(&o.conns, "connections", 0, "smtp.connections for the daemon (default: followupd's own default)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work directory (configs, databases, daemon logs)")
	fs.StringVar(&o.only, "only", "", "run only these `PHASES`, e.g. a,c (d is measured with a and e)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.short {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		for name, p := range map[string]*int{"n": &o.messages, "latency": &o.latency, "dispatch": &o.dispatch, "rows": &o.rows, "scale-messages": &o.scaleMsgs} {
			if !set[name] {
				*p = map[string]int{"n": 300, "latency": 20, "dispatch": 200, "rows": 10000, "scale-messages": 300}[name]
			}
		}
	}
	o.floor = min(o.latency, 50)
	o.dueIters = 200
	if o.messages < 2 || o.latency < 1 || o.dispatch < 2 || o.rows < 1 || o.scaleMsgs < 2 || o.rounds < 1 {
		fmt.Fprintln(stderr, "followupd-bench: sizes must be positive (n, dispatch and scale-messages at least 2, rounds at least 1)")
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "followupd-bench:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "followupd-bench:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	rep := &report{command: "go run ./cmd/followupd-bench " + strings.Join(args, " ")}
	err := run(ctx, o, rep, stderr)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			fmt.Fprintln(stderr, "followupd-bench: stopped:", ctx.Err())
		} else {
			fmt.Fprintln(stderr, "followupd-bench:", err)
		}
		return 1
	}
	rep.text(stdout)
	if o.markdown != "" {
		f, err := os.Create(o.markdown)
		if err == nil {
			rep.markdown(f)
			err = f.Close()
		}
		if err != nil {
			fmt.Fprintln(stderr, "followupd-bench:", err)
			return 1
		}
	}
	for _, r := range rep.rows {
		if r.met == "NO" {
			return 3 // every figure measured, some target missed
		}
	}
	return 0
}

// run starts the servers, runs every measurement in turn and fills rep.
func run(ctx context.Context, o options, rep *report, log io.Writer) (err error) {
	var cl cleanups
	defer cl.run()
	work, err := os.MkdirTemp("", "followupd-bench-")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintln(log, "work directory (kept):", work)
	} else {
		cl.add("work directory", func() error { return os.RemoveAll(work) })
	}
	step := func(format string, args ...any) { fmt.Fprintf(log, "followupd-bench: "+format+"\n", args...) }

	bin := o.followupd
	if bin == "" && !o.inprocess {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		step("building ./cmd/followupd")
		if bin, err = buildFollowupd(ctx, root, work); err != nil {
			return err
		}
	}
	imapDir := filepath.Join(work, "imap")
	if err := os.Mkdir(imapDir, 0o755); err != nil {
		return err
	}
	imapSrv, err := startIMAP(imapDir, o.noDovecot, &cl)
	if err != nil {
		return fmt.Errorf("start IMAP server: %w", err)
	}
	step("IMAP server: %s on %s", imapSrv.kind, imapSrv.addr)
	smtp, err := testserver.StartSMTP()
	if err != nil {
		return fmt.Errorf("start SMTP server: %w", err)
	}
	cl.add("SMTP server", smtp.Close)
	rep.machine = machineInfo(imapSrv.kind)
	if o.inprocess {
		rep.note("-inprocess: the daemon ran inside the benchmark process; RSS figures are not measured")
	}
	conf := func(name, mailbox, thankYou string, saveSent bool) daemonConf {
		return daemonConf{dir: filepath.Join(work, name), imapAddr: imapSrv.addr, smtpAddr: smtp.Addr(),
			mailbox: mailbox, thankYou: thankYou, saveSent: saveSent, inprocess: o.inprocess, conns: o.conns}
	}

	b := &bench{o: o, rep: rep, log: log, bin: bin, imap: imapSrv, smtp: smtp, conf: conf}
	var aRSS, bigRSS int64 = -2, -2
	if o.want("a") {
		if aRSS, err = b.ingest(ctx); err != nil {
			return fmt.Errorf("a: %w", err)
		}
	}
	if o.want("b") {
		if err := b.latency(ctx); err != nil {
			return fmt.Errorf("b: %w", err)
		}
	}
	if o.want("c") {
		if err := b.dispatch(ctx); err != nil {
			return fmt.Errorf("c: %w", err)
		}
	}
	if o.want("e") {
		if bigRSS, err = b.scale(ctx, work); err != nil {
			return fmt.Errorf("e: %w", err)
		}
	}
	if o.want("f") {
		if err := b.reading(); err != nil {
			return fmt.Errorf("f: %w", err)
		}
	}
	if aRSS != -2 {
		rep.add("d", fmt.Sprintf("peak RSS of followupd during a (%d messages)", o.messages), mb(aRSS), "< 100 MB", rssMet(aRSS))
	}
	if bigRSS != -2 {
		rep.add("d", fmt.Sprintf("peak RSS of followupd with %d customers and pending follow-ups stored, ingesting %d messages", o.rows, o.scaleMsgs),
			mb(bigRSS), "< 100 MB", rssMet(bigRSS))
	}
	sortRows(rep)
	rep.note("a, e: the store holds the mailbox's checkpoint at UID 0 (as after a first sync of the empty mailbox), so every message is ingested as new mail and plans its follow-ups; the thank-you is planned 1d out so no sending competes with ingest. Times run from starting the daemon process to the last message recorded")
	rep.note("c: rate from the first message captured to the last (the daemon's start-up is left out); the bare loop sends the same kind of message with go-mail over one connection, Send per message (NOOP, MAIL, RCPT, DATA, each waiting for its reply); followupd sends over smtp.connections connections and pipelines MAIL, RCPT and DATA (the server offers PIPELINING), and does all its bookkeeping per follow-up")
	return nil
}

// bench is what the phases share.
type bench struct {
	o    options
	rep  *report
	log  io.Writer
	bin  string
	imap *imapServer
	smtp *testserver.SMTP
	conf func(name, mailbox, thankYou string, saveSent bool) daemonConf
}

func (b *bench) step(format string, args ...any) {
	fmt.Fprintf(b.log, "followupd-bench: "+format+"\n", args...)
}

// ingest is a: the backlog, bare and by followupd. It returns the
// daemon's peak RSS.
func (b *bench) ingest(ctx context.Context) (int64, error) {
	o, rep := b.o, b.rep
	t := time.Now()
	g := newGen(1, "a", max(o.messages*7/10, 1))
	valid, last, n, err := appendAll(ctx, b.imap.addr, "INBOX", count(o.messages, g.next))
	if err != nil {
		return 0, fmt.Errorf("fill INBOX: %w", err)
	}
	b.step("appended %d messages to INBOX in %v", n, time.Since(t).Round(time.Millisecond))
	if _, _, err := bareFetch(b.imap.addr, "INBOX", 10*time.Minute); err != nil { // warm-up, not counted
		return 0, fmt.Errorf("bare fetch: %w", err)
	}
	bareN, bareD, err := bareFetch(b.imap.addr, "INBOX", 10*time.Minute)
	if err != nil {
		return 0, fmt.Errorf("bare fetch: %w", err)
	}
	bareRate := float64(bareN) / bareD.Seconds()
	b.step("a: bare UID FETCH + inbox.Parse: %d messages in %v", bareN, bareD.Round(time.Millisecond))
	a, err := daemonIngest(ctx, b.bin, b.conf("a", "INBOX", "1d", false), valid, last, nil, 10*time.Minute)
	if err != nil {
		return 0, err
	}
	aRate := float64(a.n) / a.elapsed.Seconds()
	b.step("a: followupd recorded %d messages in %v (skipped %d, malformed %d, customers %d, planned %d)",
		a.n, a.elapsed.Round(time.Millisecond), a.stats.Skipped, a.stats.Malformed, a.stats.Customers, a.stats.Followups[core.Pending])
	rep.add("a", fmt.Sprintf("backlog ingest, followupd (%d messages)", a.n), fmt.Sprintf("%.0f msg/s", aRate), "", nil)
	rep.add("a", "backlog ingest, bare UID FETCH 1:* BODY.PEEK[] + inbox.Parse", fmt.Sprintf("%.0f msg/s", bareRate), "", nil)
	rep.add("a", "followupd / bare", fmt.Sprintf("%.0f %%", 100*aRate/bareRate), "≥ 50 %", ptr(aRate >= bareRate/2))
	if a.n != bareN {
		rep.note("a: followupd recorded %d messages, the bare loop parsed %d", a.n, bareN)
	}
	return a.peakRSS, nil
}

// latency is b: arrival to sent, and the server's own IDLE floor.
func (b *bench) latency(ctx context.Context) error {
	o, rep := b.o, b.rep
	floor, err := idleFloor(ctx, b.imap.addr, "idle-floor", o.floor)
	if err != nil {
		return fmt.Errorf("idle floor: %w", err)
	}
	b.step("b: IDLE floor p50 %v over %d samples", quantile(floor, 0.5), len(floor))
	lat, _, err := arrivalToSent(ctx, b.bin, b.conf("b", "latency", "0s", false), b.smtp, o.latency)
	if err != nil {
		return err
	}
	p95 := quantile(lat, 0.95)
	rep.add("b", fmt.Sprintf("arrival → thank-you sent, p50 (%d samples)", len(lat)), ms(quantile(lat, 0.5)), "", nil)
	rep.add("b", "arrival → thank-you sent, p95", ms(p95), "≤ 1.5 s", ptr(p95 <= 1500*time.Millisecond))
	rep.add("b", "arrival → thank-you sent, max", ms(quantile(lat, 1)), "", nil)
	rep.add("b", fmt.Sprintf("IMAP server floor: APPEND → EXISTS in IDLE, p50 / p95 / max (%d samples)", len(floor)),
		ms(quantile(floor, 0.5))+" / "+ms(quantile(floor, 0.95))+" / "+ms(quantile(floor, 1)), "", nil)
	return nil
}

// median returns the middle value of xs (the mean of the middle two for
// an even count); xs is sorted in place.
func median(xs []float64) float64 {
	sort.Float64s(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// dispatch is c: pre-planned follow-ups sent with save_sent off and on,
// and a bare go-mail loop.
func (b *bench) dispatch(ctx context.Context) error {
	o, rep := b.o, b.rep
	// Rounds of followupd between runs of the bare loop: each round is
	// judged against the faster bare run beside it, so that drifting load
	// on a shared machine cannot flatter followupd, and the median round
	// is the figure, so that one unlucky half-second does not decide it.
	bares := make([]float64, 0, o.rounds+1)
	bare, err := bareSend(ctx, b.smtp, o.dispatch)
	if err != nil {
		return fmt.Errorf("bare go-mail: %w", err)
	}
	bares = append(bares, bare)
	var offs []dispatchResult
	var ratios, cpus []float64
	for i := range o.rounds {
		name := fmt.Sprintf("dispatch-off-%d", i+1)
		off, err := daemonDispatch(ctx, b.bin, b.conf("c-off-"+fmt.Sprint(i+1), name, "0s", false), b.smtp, o.dispatch)
		if err != nil {
			return fmt.Errorf("save_sent off: %w", err)
		}
		if bare, err = bareSend(ctx, b.smtp, o.dispatch); err != nil {
			return fmt.Errorf("bare go-mail: %w", err)
		}
		bares = append(bares, bare)
		limit := max(bares[i], bares[i+1])
		offs, ratios = append(offs, off), append(ratios, off.rate/limit)
		if off.cpu > 0 {
			cpus = append(cpus, off.cpu.Seconds()*1000/float64(off.sent))
		}
		b.step("c: round %d: followupd %.0f/s, bare %.0f/s and %.0f/s: %.0f %%", i+1, off.rate, bares[i], bares[i+1], 100*off.rate/limit)
	}
	on, err := daemonDispatch(ctx, b.bin, b.conf("c-on", "dispatch-on", "0s", true), b.smtp, o.dispatch)
	if err != nil {
		return fmt.Errorf("save_sent on: %w", err)
	}
	b.step("c: save_sent on: %d sent, %.0f/s", on.sent, on.rate)
	conns := b.conf("c-off", "dispatch-off", "0s", false).connections()
	for i, off := range offs {
		rep.add("c", fmt.Sprintf("round %d: followupd, save_sent off (%d follow-ups, smtp.connections = %d) / bare go-mail loop before and after", i+1, off.sent, conns),
			fmt.Sprintf("%.0f / %.0f, %.0f msg/s = %.0f %%", off.rate, bares[i], bares[i+1], 100*ratios[i]), "", nil)
	}
	if len(cpus) > 0 {
		rep.add("c", "followupd CPU time per follow-up (user+system, whole process life), median", fmt.Sprintf("%.3f ms", median(cpus)), "", nil)
	}
	rep.add("c", "dispatch, followupd, save_sent on", fmt.Sprintf("%.0f msg/s", on.rate), "", nil)
	ratio := median(ratios)
	rep.add("c", fmt.Sprintf("followupd (save_sent off) / the faster bare run beside it, median of %d rounds", len(ratios)), fmt.Sprintf("%.0f %%", 100*ratio), "≥ 50 %", ptr(ratio >= 0.5))
	bare = max(bares[len(bares)-2], bares[len(bares)-1])
	rep.add("c", "followupd (save_sent on) / bare", fmt.Sprintf("%.0f %%", 100*on.rate/bare), "", nil)
	for i, res := range append(offs, on) {
		name := fmt.Sprintf("save_sent off, round %d", i+1)
		if i == len(offs) {
			name = "save_sent on"
		}
		st := res.stats.Followups
		if bad := st[core.Failed] + st[core.Doubt] + st[core.Skipped]; bad > 0 {
			rep.note("c (%s): %d follow-ups failed, in doubt or skipped", name, bad)
		}
	}
	return nil
}

// scale is e (and the second half of d): the due queries and the ingest
// cost per message on an empty store and on one holding o.rows
// customers and pending follow-ups. It returns the daemon's peak RSS on
// the large store.
func (b *bench) scale(ctx context.Context, work string) (int64, error) {
	o, rep := b.o, b.rep
	ge := newGen(2, "e", max(o.scaleMsgs*7/10, 1))
	valid, last, _, err := appendAll(ctx, b.imap.addr, "scale", count(o.scaleMsgs, ge.next))
	if err != nil {
		return 0, fmt.Errorf("fill scale: %w", err)
	}
	if _, _, err := bareFetch(b.imap.addr, "scale", 10*time.Minute); err != nil { // warm the server's caches
		return 0, fmt.Errorf("bare fetch: %w", err)
	}
	emptyDue, err := dueOnEmpty(ctx, filepath.Join(work, "e-due-empty"), o.dueIters)
	if err != nil {
		return 0, err
	}
	empty, err := daemonIngest(ctx, b.bin, b.conf("e-empty", "scale", "1d", false), valid, last, nil, 10*time.Minute)
	if err != nil {
		return 0, fmt.Errorf("empty store: %w", err)
	}
	var bigDue dueTimes
	t := time.Now()
	big, err := daemonIngest(ctx, b.bin, b.conf("e-big", "scale", "1d", false), valid, last, func(st *store.Store) error {
		if err := seedPending(ctx, st, "big", o.rows, time.Now().Add(30*24*time.Hour)); err != nil {
			return err
		}
		b.step("e: seeded %d customers, messages and pending follow-ups in %v", o.rows, time.Since(t).Round(time.Millisecond))
		var err error
		bigDue, err = timeDue(ctx, st, o.rows, o.dueIters)
		return err
	}, 10*time.Minute)
	if err != nil {
		return 0, fmt.Errorf("large store: %w", err)
	}
	perEmpty := empty.elapsed / time.Duration(max(empty.n, 1))
	perBig := big.elapsed / time.Duration(max(big.n, 1))
	b.step("e: ingest %v/msg on the empty store, %v/msg with %d rows", perEmpty, perBig, o.rows)

	rows := fmt.Sprintf("%dk", o.rows/1000)
	q := func(d dueTimes, f func(dueTimes) quantiles) (string, *bool) {
		x := f(d)
		return ms(x.p50) + " / " + ms(x.p99) + " / " + ms(x.max), ptr(x.p99 < 10*time.Millisecond)
	}
	v, met := q(bigDue, func(d dueTimes) quantiles { return d.claimNone })
	rep.add("e", fmt.Sprintf("due query: ClaimReady, nothing ready, %s pending, p50 / p99 / max", rows), v, "p99 < 10 ms", met)
	v, met = q(bigDue, func(d dueTimes) quantiles { return d.next })
	rep.add("e", fmt.Sprintf("due query: NextReady, %s pending, p50 / p99 / max", rows), v, "p99 < 10 ms", met)
	v, met = q(bigDue, func(d dueTimes) quantiles { return d.claimOne })
	rep.add("e", fmt.Sprintf("ClaimReady claiming a ready follow-up, %s pending, p50 / p99 / max", rows), v, "p99 < 10 ms", met)
	rep.add("e", "the same three on an empty table, p50", ms(emptyDue.claimNone.p50)+" / "+ms(emptyDue.next.p50)+" / "+ms(emptyDue.claimOne.p50), "", nil)
	rep.add("e", fmt.Sprintf("ingest per message, empty store (%d messages)", empty.n), ms(perEmpty), "", nil)
	rep.add("e", fmt.Sprintf("ingest per message, %s customers stored (%d messages)", rows, big.n), ms(perBig), "", nil)
	ratio := float64(perBig) / float64(perEmpty)
	rep.add("e", "ingest per message, large / empty", fmt.Sprintf("%.2f×", ratio), "≤ 1.3× (flat)", ptr(ratio <= 1.3))
	return big.peakRSS, nil
}

// sortRows orders the report by phase, keeping the order within each.
func sortRows(rep *report) {
	sort.SliceStable(rep.rows, func(i, j int) bool { return rep.rows[i].id < rep.rows[j].id })
}

func rssMet(b int64) *bool {
	if b < 0 {
		return nil
	}
	return ptr(b < 100<<20)
}

// dueOnEmpty times the due queries on an empty store.
func dueOnEmpty(ctx context.Context, dir string, k int) (dueTimes, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return dueTimes{}, err
	}
	st, err := store.Open(ctx, filepath.Join(dir, "followupd.db"))
	if err != nil {
		return dueTimes{}, err
	}
	defer st.Close()
	return timeDue(ctx, st, 0, k)
}

// count yields n values of next.
func count(n int, next func() []byte) func(yield func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for i := 0; i < n; i++ {
			if !yield(next()) {
				return
			}
		}
	}
}
