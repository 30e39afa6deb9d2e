package demo

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// timeline prints what the daemon decides as readable lines, stamped with
// the time since the demo started. It is a slog.Handler, so the demo shows
// the daemon's real decisions, not a script's idea of them.
type timeline struct {
	mu    *sync.Mutex
	out   io.Writer
	start time.Time
	attrs []slog.Attr
}

func newTimeline(out io.Writer) *timeline {
	return &timeline{mu: new(sync.Mutex), out: out, start: time.Now()}
}

// printf writes one timeline entry; continuation lines are indented.
func (t *timeline) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(fmt.Sprintf(format, args...), "\n"), "\n")
	fmt.Fprintf(t.out, "[%5.1fs] %s\n", time.Since(t.start).Seconds(), lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(t.out, "         %s\n", l)
	}
}

func (t *timeline) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (t *timeline) WithAttrs(as []slog.Attr) slog.Handler {
	c := *t
	c.attrs = append(append([]slog.Attr{}, t.attrs...), as...)
	return &c
}

func (t *timeline) WithGroup(string) slog.Handler { return t }

// shown turns the daemon's decision log lines into timeline wording; other
// lines (connections, start-up, sends, which the SMTP side prints) are left
// out of the story.
var shown = map[string]func(a map[string]string) string{
	"message ingested": func(a map[string]string) string {
		s := fmt.Sprintf("  decided: %s from %s, category %s", a["kind"], a["customer"], a["category"])
		if a["rule"] != "" {
			s += " (" + a["rule"] + ")"
		}
		if a["tags"] != "" {
			s += ", tags #" + strings.ReplaceAll(a["tags"], " ", " #")
		}
		if a["owner_verified_by"] != "" {
			s += "\n  verified as Pam's: " + a["owner_verified_by"]
		}
		return s
	},
	"unverified owner mail: it acts on nothing until the owner approves it (followupd approve)": func(a map[string]string) string {
		return "  decided: NOT verified as Pam's (" + a["reason"] + "): it does nothing until she approves it"
	},
	"message skipped": func(a map[string]string) string {
		return "  decided: not answered: " + a["reason"]
	},
	"message recorded as history (it was there before the first start)": func(a map[string]string) string {
		return "  decided: old mail: " + a["customer"] + " is remembered, nothing is sent for it"
	},
	"follow-up planned": func(a map[string]string) string {
		return fmt.Sprintf("  planned: %s to %s %s", a["template"], a["to"], dueIn(a["due"]))
	},
	"complaint case opened": func(a map[string]string) string {
		return "  decided: complaint case #" + a["case"] + " opened; the owner will be alerted"
	},
	"customer opted out: nothing more will be sent": func(a map[string]string) string {
		return fmt.Sprintf("  decided: %s opted out (%s); %s pending follow-up(s) cancelled", a["customer"], a["reason"], a["cancelled"])
	},
	"pending follow-ups cancelled: the customer wrote again": func(a map[string]string) string {
		return fmt.Sprintf("  decided: %s wrote again; %s pending follow-up(s) stopped", a["customer"], a["cancelled"])
	},
	"feedback recorded": func(a map[string]string) string {
		return fmt.Sprintf("  decided: feedback from %s recorded, rating %s/5", a["customer"], a["rating"])
	},
	"customer marked VIP": func(a map[string]string) string { return "  decided: " + a["customer"] + " is a VIP" },
	"case resolved": func(a map[string]string) string {
		return fmt.Sprintf("  decided: case #%s resolved (%s)", a["case"], a["by"])
	},
	"follow-up cancelled": func(a map[string]string) string {
		return fmt.Sprintf("  cancelled: %s to %s: %s", a["template"], a["customer"], a["reason"])
	},
	"follow-up skipped": func(a map[string]string) string {
		return fmt.Sprintf("  skipped: %s to %s: %s", a["template"], a["customer"], a["reason"])
	},
	"follow-up waits": func(a map[string]string) string {
		return fmt.Sprintf("  waits: %s to %s: %s", a["template"], a["customer"], a["reason"])
	},
	"the owner answered the customer (Bcc)": func(a map[string]string) string {
		return "  decided: the owner answered " + a["customer"]
	},
}

func dueIn(due string) string {
	d, err := time.Parse(time.RFC3339, due)
	if err != nil {
		return ""
	}
	left := time.Until(d).Round(time.Second)
	if left <= 0 {
		return "now"
	}
	return fmt.Sprintf("in %s (a \"day\" is a second here)", left)
}

func (t *timeline) Handle(_ context.Context, r slog.Record) error {
	f, ok := shown[r.Message]
	if !ok {
		return nil
	}
	kv := map[string]string{}
	add := func(a slog.Attr) bool {
		kv[a.Key] = a.Value.Resolve().String()
		return true
	}
	for _, a := range t.attrs {
		add(a)
	}
	r.Attrs(add)
	t.printf("%s", f(kv))
	return nil
}
