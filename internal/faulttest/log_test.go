package faulttest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// logLine is one line of the daemon's stderr: a JSON log record, or raw
// text (a Go panic, a race report).
type logLine struct {
	Rec map[string]any
	Raw string
}

func (l logLine) Msg() string {
	s, _ := l.Rec["msg"].(string)
	return s
}

func (e *env) logLines() []logLine {
	f, err := os.Open(e.logPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		l := logLine{Raw: sc.Text()}
		if json.Unmarshal(sc.Bytes(), &l.Rec) != nil {
			l.Rec = nil
		}
		out = append(out, l)
	}
	return out
}

// note adds a record to the daemon's log (while no daemon runs), so the
// log shows what the test did in between.
func (e *env) note(msg string, attrs ...any) {
	rec := map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "level": "INFO", "msg": msg}
	for i := 0; i+1 < len(attrs); i += 2 {
		rec[fmt.Sprint(attrs[i])] = attrs[i+1]
	}
	b, _ := json.Marshal(rec)
	f, err := os.OpenFile(e.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	f.Write(append(b, '\n'))
}

// countLog counts log records whose msg starts with prefix.
func (e *env) countLog(prefix string) int {
	n := 0
	for _, l := range e.logLines() {
		if strings.HasPrefix(l.Msg(), prefix) {
			n++
		}
	}
	return n
}

// waitLog waits, bounded, until at least n records' msg starts with prefix.
func (e *env) waitLog(bound time.Duration, prefix string, n int) {
	e.t.Helper()
	waitUntil(e.t, bound, fmt.Sprintf("log line %q", prefix), func() (bool, string) {
		c := e.countLog(prefix)
		return c >= n, fmt.Sprintf("seen %d times, want %d", c, n)
	})
}

// checkLog fails the test if the daemon recovered from a panic, crashed
// with one, or the race detector reported a race; on failure it shows
// the end of the daemon's log and of Dovecot's.
func (e *env) checkLog() {
	lines := e.logLines()
	for _, l := range lines {
		switch {
		case l.Rec == nil && (strings.HasPrefix(l.Raw, "panic:") || strings.Contains(l.Raw, "WARNING: DATA RACE")):
			e.t.Errorf("followupd: %s", l.Raw)
		case strings.HasPrefix(l.Msg(), "recovered from a panic"):
			e.t.Errorf("followupd recovered from a panic: %s", l.Raw)
		}
	}
	if e.t.Failed() {
		from := max(len(lines)-150, 0)
		var b strings.Builder
		for _, l := range lines[from:] {
			b.WriteString(l.Raw)
			b.WriteByte('\n')
		}
		e.t.Logf("the last %d lines of followupd's log (%s):\n%s", len(lines)-from, e.logPath, b.String())
		e.t.Logf("dovecot.log:\n%s", e.dovecot.LogTail())
	}
}
