package demo

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestDemoPlaysTheDayAndPrintsTheTimeline(t *testing.T) {
	var out bytes.Buffer
	if err := Run(context.Background(), &out, Options{}); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{
		"old mail: carla@example.net is remembered",
		"decided: not answered: auto-submitted: auto-replied",
		"category inquiry",
		"→ sent to Ana López <ana.lopez@example.com>",
		"In-Reply-To: <ana-1@demo.example>",
		"category purchase",
		"Good to hear from you again", // Carla is a repeat customer
		"category complaint",
		"complaint case #1 opened",
		"Subject: Complaint from Dana Reyes",
		"Subject: Reminder:",
		"forward from gil@club-velo.example",
		"tags #vip",
		"→ sent to \"Gil Moreau\" <gil@club-velo.example>",
		"ana.lopez@example.com opted out",
		"feedback from carla@example.net recorded, rating 5/5",
		"$ followupd resolve dana@example.com",
		"9 follow-ups sent, 1 cancelled, 0 open complaint(s)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
	for _, never := range []string{"sent to Bob", "sent to bob", "pam@acme-bikes.example> is unhappy"} {
		if strings.Contains(text, never) {
			t.Errorf("timeline shows %q", never)
		}
	}
	// Nothing went to Ana after she opted out.
	if i := strings.Index(text, "opted out"); i >= 0 && strings.Contains(text[i:], "sent to Ana") {
		t.Error("Ana got mail after opting out")
	}
	if t.Failed() {
		t.Log(text)
	}
}
