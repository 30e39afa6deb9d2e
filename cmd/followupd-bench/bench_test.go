package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShortRunMeasuresEveryFigure runs the CI-sized benchmark end to end
// (Dovecot when installed, else the in-process IMAP server). It checks
// that every figure was measured and the Markdown written, never the
// figures themselves: a missed target (exit 3) is a finding, not a
// failure.
func TestShortRunMeasuresEveryFigure(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers and followupd processes for about a minute")
	}
	md := filepath.Join(t.TempDir(), "bench.md")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"-short", "-markdown", md}, &stdout, &stderr)
	if code != 0 && code != 3 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, &stdout, &stderr)
	}
	out := stdout.String()
	for _, want := range []string{"backlog ingest", "arrival → thank-you sent, p95", "bare go-mail loop before and after", "the faster bare run",
		"peak RSS", "due query: ClaimReady", "ingest per message, large / empty"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
	// It says which IMAP server it measured against, and the Markdown
	// holds the same table.
	if !strings.Contains(out, "IMAP server: ") {
		t.Errorf("the output does not say which IMAP server was used:\n%s", out)
	}
	b, err := os.ReadFile(md)
	if err != nil {
		t.Fatalf("-markdown wrote nothing: %v", err)
	}
	for _, want := range []string{"| | figure | value | target | met? |", "| a | backlog ingest", "| c | followupd (save_sent off) / the faster bare run",
		"| d | peak RSS", "| e | due query: ClaimReady", "IMAP server: "} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the Markdown has no %q:\n%s", want, b)
		}
	}
}
