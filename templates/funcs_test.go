package templates

import (
	"testing"
	"time"

	"github.com/followupd/followupd/internal/core"
)

func TestFirstName(t *testing.T) {
	for in, want := range map[string]string{
		"Ana María López": "Ana",
		"López, Ana":      "Ana",
		"JOHN SMITH":      "John",
		"Dr. Jane Doe":    "Jane",
		"Jean-Luc Picard": "Jean-Luc",
		"Zoë":             "Zoë",
		"李雷":              "李雷",
		"":                "",
		"ana@example.com": "",
		"Acme 2000 Ltd":   "Acme",
		"123":             "",
		"McKenzie Fox":    "McKenzie",
	} {
		if got := FirstName(in); got != want {
			t.Errorf("FirstName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAgeReadsLikeAPersonSaysIt(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "a few seconds"},
		{-3 * 24 * time.Hour, "3 days"},
		{time.Minute, "1 minute"},
		{59 * time.Minute, "59 minutes"},
		{time.Hour, "1 hour"},
		{47 * time.Hour, "47 hours"},
		{3*24*time.Hour + 5*time.Hour, "3 days"},
		{15 * 24 * time.Hour, "2 weeks"},
		{90 * 24 * time.Hour, "3 months"},
		{800 * 24 * time.Hour, "2 years"},
	}
	for _, tt := range tests {
		if got := Age(tt.d); got != tt.want {
			t.Errorf("Age(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestTemplateFunctions(t *testing.T) {
	now := time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC)
	en := funcsIn(core.English)
	reply := en["reply"].(func(string) string)
	ago := en["ago"].(func(time.Time, ...time.Time) string)
	date := en["date"].(func(time.Time) string)
	tests := []struct {
		name, got, want string
	}{
		{"reply adds Re once", reply("Hello"), "Re: Hello"},
		{"reply keeps Re", reply("RE: Hello"), "RE: Hello"},
		{"reply to nothing", reply("  "), "Thanks for your message"},
		{"ago with now", ago(now.Add(-50*time.Hour), now), "2 days"},
		{"date", date(now), "Thu 5 Mar"},
		{"date of zero time", date(time.Time{}), ""},
		{"stars", stars(4), "★★★★☆"},
		{"stars above five", stars(7), "★★★★★"},
		{"no rating", stars(0), ""},
		{"excerpt short text", excerpt(100, "  Hello there.  "), "Hello there."},
		{"excerpt cuts at a word", excerpt(16, "The brake squeaks every time I stop."), "The brake…"},
		{"excerpt long word", excerpt(5, "Supercalifragilistic"), "Supe…"},
		{"excerpt counts characters, not bytes", excerpt(7, "ñññ ñññ ñññ"), "ñññ…"},
		{"excerpt collapses blank lines", excerpt(100, "a\n\n\n\nb"), "a\n\nb"},
		{"quote", quote("one\n\ntwo\n"), "> one\n>\n> two"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}
