package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestDemoPlaysTheDayAndPrintsTheTimeline(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), &out, Options{Scale: 0.2}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"decided: old mail, remembered but not answered customer=carla@example.net",
		"decided: do not answer customer=bob@example.org reason=Auto-Submitted: auto-replied",
		"decided: do not answer customer=news@parts.example",
		"→ sent to Ana López <ana.lopez@example.com>",
		"In-Reply-To: <ana-1@demo.example>",
		"| Hi Ana,",
		"| Good to hear from you again", // Carla is a repeat customer
		"| I wanted to check in",
		"4 follow-ups sent, 0 still planned",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	if strings.Contains(text, "sent to Bob") || strings.Contains(text, "parts.example>\n") {
		t.Errorf("the demo answered automatic mail:\n%s", text)
	}
	if t.Failed() {
		t.Log(text)
	}
}
