package rules

import "testing"

func TestPhrasesMatchWholeWords(t *testing.T) {
	for _, tt := range []struct {
		text, phrase string
		want         bool
	}{
		{"i want a refund now", "refund", true},
		{"refundable deposit", "refund", false},
		{"it's broken.", "broken", true},
		{"unbroken record", "broken", false},
		{"ist kaputt!", "kaputt", true},
		{"do you have it?", "?", true},
		{"我想要退款", "退款", true},
		{"déçu du service", "déçu", true},
	} {
		if got := containsPhrase(tt.text, tt.phrase); got != tt.want {
			t.Errorf("containsPhrase(%q, %q) = %v, want %v", tt.text, tt.phrase, got, tt.want)
		}
	}
}
