package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one figure of the report.
type row struct {
	id, figure, value, target string
	met                       string // "yes", "no", or "" when there is no target
}

// report collects the figures of one run.
type report struct {
	rows    []row
	machine []string
	command string
	notes   []string
}

func (r *report) add(id, figure, value, target string, met *bool) {
	m := ""
	if met != nil {
		m = map[bool]string{true: "yes", false: "NO"}[*met]
	}
	r.rows = append(r.rows, row{id, figure, value, target, m})
}

func (r *report) note(format string, args ...any) {
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func ptr(b bool) *bool { return &b }

func (r *report) text(w io.Writer) {
	fmt.Fprintln(w)
	for _, m := range r.machine {
		fmt.Fprintln(w, m)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tfigure\tvalue\ttarget\tmet?")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", x.id, x.figure, x.value, dash(x.target), dash(x.met))
	}
	tw.Flush()
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintln(w, "note:", n)
		}
	}
}

func (r *report) markdown(w io.Writer) {
	fmt.Fprintf(w, "Command: `%s`\n\n", r.command)
	for _, m := range r.machine {
		fmt.Fprintf(w, "- %s\n", m)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| | figure | value | target | met? |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for _, x := range r.rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", x.id, md(x.figure), md(x.value), md(dash(x.target)), dash(x.met))
	}
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintf(w, "- %s\n", md(n))
		}
	}
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func md(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// machineInfo describes where the run happened.
func machineInfo(imapKind string) []string {
	return []string{
		fmt.Sprintf("date: %s", time.Now().UTC().Format("2006-01-02 15:04 UTC")),
		fmt.Sprintf("CPUs: %d (%s)", runtime.NumCPU(), cpuModel()),
		fmt.Sprintf("Go: %s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH),
		fmt.Sprintf("IMAP server: %s", imapKind),
		"SMTP server: in-process go-smtp capture (internal/testserver), loopback",
	}
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "model unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "model unknown"
}

func ms(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
	default:
		return fmt.Sprintf("%.3f ms", float64(d.Nanoseconds())/1e6)
	}
}

func mb(b int64) string {
	if b < 0 {
		return "n/a (in-process)"
	}
	return fmt.Sprintf("%.1f MB", float64(b)/(1<<20))
}
