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
// the time since the demo started. It is a slog.Handler so the demo shows
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

func (t *timeline) stamp() string {
	return fmt.Sprintf("[%5.1fs]", time.Since(t.start).Seconds())
}

// printf writes one timeline entry; continuation lines are indented.
func (t *timeline) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	text := fmt.Sprintf(format, args...)
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	fmt.Fprintf(t.out, "%s %s\n", t.stamp(), lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(t.out, "        %s\n", l)
	}
}

func (t *timeline) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (t *timeline) WithAttrs(as []slog.Attr) slog.Handler {
	c := *t
	c.attrs = append(append([]slog.Attr{}, t.attrs...), as...)
	return &c
}

func (t *timeline) WithGroup(string) slog.Handler { return t }

// shown maps the daemon's decision messages to timeline wording; other
// log lines (connections, start-up) are left out of the story.
var shown = map[string]string{
	"message ingested": "   decided: a customer message to answer",
	"message skipped":  "   decided: do not answer",
	"message recorded as history (it was there before the first start)": "   decided: old mail, remembered but not answered",
	"message recorded as malformed; left in the mailbox":                "   decided: malformed, recorded with its reason",
	"message seen before; not ingested again":                           "   decided: already seen (same Message-ID)",
	"follow-up planned":                       "   planned:",
	"follow-up waits for the sending window":  "   waits:",
	"follow-up failed permanently":            "   FAILED:",
	"follow-up send failed; will retry":       "   retry:",
	"follow-up cancelled: customer opted out": "   cancelled:",
}

func (t *timeline) Handle(_ context.Context, r slog.Record) error {
	label, ok := shown[r.Message]
	if !ok {
		return nil
	}
	kv := map[string]string{}
	add := func(a slog.Attr) bool {
		v := a.Value.Resolve()
		if v.Kind() == slog.KindTime {
			kv[a.Key] = v.Time().Format(time.RFC3339)
		} else {
			kv[a.Key] = v.String()
		}
		return true
	}
	for _, a := range t.attrs {
		add(a)
	}
	r.Attrs(add)
	var parts []string
	for _, k := range []string{"customer", "reason", "template", "sequence", "step", "due", "at", "err"} {
		if v, ok := kv[k]; ok && v != "" {
			if k == "due" {
				if d, err := time.Parse(time.RFC3339, v); err == nil {
					v = "in " + time.Until(d).Round(time.Second).String()
					if strings.HasPrefix(v, "in -") || v == "in 0s" {
						v = "now"
					}
				}
			}
			parts = append(parts, k+"="+v)
		}
	}
	t.printf("%s %s", label, strings.Join(parts, " "))
	return nil
}
