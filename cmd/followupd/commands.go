package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"sync/atomic"
	"syscall"

	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/daemon"
)

func loadConfig(path string, stderr io.Writer) (*config.Config, bool) {
	return loadConfigWith(config.Load, path, stderr)
}

// loadOffline loads the config for commands that connect to no server:
// passwords are not needed.
func loadOffline(path string, stderr io.Writer) (*config.Config, bool) {
	return loadConfigWith(config.LoadWithoutSecrets, path, stderr)
}

func loadConfigWith(load func(string) (*config.Config, error), path string, stderr io.Writer) (*config.Config, bool) {
	cfg, err := load(config.Find(path))
	if err != nil {
		fmt.Fprintln(stderr, err)
		return nil, false
	}
	return cfg, true
}

func newLogger(format string, debug bool, w io.Writer) (*slog.Logger, error) {
	level := slog.LevelInfo
	if debug {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format %q: want text or json", format)
}

// gcPercent and memoryLimit are the daemon's garbage collector settings
// unless GOGC or GOMEMLIMIT say otherwise. The live heap is about 20 MB,
// most of it the cue files of every language (compiled as customers
// write in them), and at Go's default GOGC=100 the heap peaks near twice
// that while a 5000-message backlog is read: 75 MB resident in all
// (docs/BENCHMARKS.md). GOGC=200 bought a tenth less CPU per message
// when the live heap was a few MB; at 20 MB it costs 20 MB more and
// brushes the 100 MB budget. The soft limit makes the collector work
// harder, not fail, should the heap ever near it: it keeps the Go heap
// well inside the budget, with room for SQLite's own memory.
const (
	gcPercent   = 100
	memoryLimit = 80 << 20
)

// tuneGC applies gcPercent and memoryLimit where the environment (getenv)
// does not set GOGC or GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

func cmdRun(ctx context.Context, args []string, _, stderr io.Writer) int {
	fs := newFlags("run", stderr)
	cfgPath := fs.String("config", "", "config file")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	debug := fs.Bool("debug", false, "log IMAP protocol traces (credentials redacted)")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	log, err := newLogger(*logFormat, *debug, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	tuneGC(os.Getenv)
	// Signals are caught from the start, so a SIGTERM during start-up
	// still ends in a clean exit. SIGTERM/SIGINT: stop cleanly; a second
	// one exits at once. SIGHUP: reload the config and templates, keeping
	// the old ones if they are bad.
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer signal.Stop(sigs)
	var running atomic.Pointer[daemon.Daemon]
	go func() {
		stopping := false
		for sig := range sigs {
			switch {
			case sig == syscall.SIGHUP:
				if d := running.Load(); d != nil {
					reload(log, d, d.ConfigFile())
				} else {
					log.Warn("SIGHUP during start-up: the config being loaded is used")
				}
			case stopping:
				log.Error("second signal: exiting now", "signal", sig.String())
				os.Exit(1)
			default:
				stopping = true
				log.Info("stopping: no new work; finishing the send in flight", "signal", sig.String())
				stop()
			}
		}
	}()
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	d, err := daemon.New(ctx, cfg, daemon.Options{Log: log, Debug: *debug})
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer d.Close()
	running.Store(d)
	if ctx.Err() != nil {
		log.Info("stopped before starting")
		return 0
	}
	if a := d.AdminAddr(); a != "" {
		log.Info("admin listener", "addr", a, "paths", "/healthz /metrics")
	}
	log.Info("followupd started", "version", version, "config", cfg.File, "store", cfg.Store.Path,
		"imap", cfg.IMAP.Address, "mailbox", cfg.IMAP.Mailbox, "smtp", cfg.SMTP.Address)
	if err := d.Run(ctx); err != nil {
		log.Error("run", "err", err)
		return 1
	}
	return 0
}

// reload re-reads the config file and its templates; a bad edit is
// refused with its file:line and the running config stays in force.
func reload(log *slog.Logger, d *daemon.Daemon, path string) {
	cfg, err := config.Load(path)
	if err == nil {
		var restart []string
		restart, err = d.Reload(cfg)
		if err == nil {
			log.Info("reloaded config and templates", "config", path)
			if len(restart) > 0 {
				log.Warn("some changed settings take effect only after a restart", "sections", restart)
			}
			return
		}
	}
	log.Error("reload refused; the running config stays in force", "err", err.Error())
}

func cmdCheck(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check", stderr)
	cfgPath := fs.String("config", "", "config file")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	cfg, ok := loadConfig(*cfgPath, stderr)
	if !ok {
		return 1
	}
	lv, err := daemon.Prepare(cfg)
	if err == nil {
		err = lv.CheckEveryLanguage()
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range lv.Warnings() {
		fmt.Fprintln(stderr, "warning:", w)
	}
	n, langs := lv.Templates()
	fmt.Fprintf(stdout, "%s: ok (%d sequences, %d rules, %d templates, written in %d languages besides their base files)\n",
		cfg.File, len(cfg.Sequences), len(cfg.Rules), n, langs)
	return 0
}

func cmdStatus(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("status", stderr)
	cfgPath := fs.String("config", "", "config file")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if _, err := parse(fs, args); err != nil {
		return 2
	}
	st, done, ok := openStore(ctx, *cfgPath, stderr)
	if !ok {
		return 1
	}
	defer done()
	r, err := daemon.Status(ctx, st)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.Encode(r)
		return 0
	}
	sync := r.IMAP.LastSync
	if sync == "" {
		sync = "never"
	}
	fmt.Fprintf(stdout, "customers   %d\nmessages    %d (%d not answered, %d malformed)\nfollow-ups  %d pending, %d sent, %d failed, %d in doubt, %d cancelled, %d skipped, %d held for you, %d expired\ncomplaints  %d open\nfor review  %d: %d unverified owner mail, %d forward(s) whose customer was not found (followupd review)\nlast sync   %s\n",
		r.Customers, r.Messages, r.Skipped, r.Malformed,
		r.Followups[core.Pending]+r.Followups[core.Sending], r.Followups[core.Sent],
		r.Followups[core.Failed], r.Followups[core.Doubt], r.Followups[core.Cancelled],
		r.Followups[core.Skipped], r.Followups[core.Held], r.Followups[core.Expired], r.OpenCases, r.Review, r.Unverified, r.Review-r.Unverified, sync)
	if r.Followups[core.Doubt] > 0 || r.Followups[core.Failed] > 0 {
		fmt.Fprintln(stdout, "\nfailed and in-doubt follow-ups: see `followupd customer EMAIL`; `followupd retry ID` sends one again.")
	}
	return 0
}
