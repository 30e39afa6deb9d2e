package meaning

import (
	"reflect"
	"testing"
)

func TestParseTags(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{[]string{"Fwd: broken bell #complaint", "#VIP please look at this"}, []string{"complaint", "vip"}},
		{[]string{"#resolved ana@example.com"}, []string{"resolved"}},
		{[]string{"order #12345 and C# and x.html#top"}, nil},
		{[]string{"(#stop) #stop"}, []string{"stop"}},
		{[]string{"#Beschwerde #wichtig"}, []string{"beschwerde", "wichtig"}},
		{[]string{"#lang:de ana@example.com", "#lang: x"}, []string{"lang:de", "lang"}},
	}
	for _, tt := range tests {
		if got := ParseTags(tt.in...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTags(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseRating(t *testing.T) {
	for in, want := range map[string]int{
		"5":                         5,
		"4/5, great bike":           4,
		"I'd give you 3 out of 5":   3,
		"★★★★":                      4,
		"★★★★☆ nice":                4,
		"⭐⭐⭐⭐⭐":                     5,
		"five stars!":               5,
		"Two stars, the bell broke": 2,
		"4 Sterne":                  4,
		"cinq étoiles":              5,
		"8/10":                      4,
		"2 - not great":             2,
		"Thanks, the bike is great": 0,
		"I have 2 kids and 3 bikes": 0,
		"We rode 5 miles on Sunday": 0,
		"":                          0,
	} {
		if got := ParseRating(in); got != want {
			t.Errorf("ParseRating(%q) = %d, want %d", in, got, want)
		}
	}
}
