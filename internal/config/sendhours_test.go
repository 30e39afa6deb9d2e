package config

import (
	"strings"
	"testing"
	"time"
)

func TestParseSendHoursReadsDaysAndHours(t *testing.T) {
	h := time.Hour
	weekdays := [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	tests := []struct {
		in   string
		want []Window
	}{
		{"", nil},
		{"  ", nil},
		{"Mon-Fri 09:00-17:00", []Window{{Days: weekdays, Start: 9 * h, End: 17 * h}}},
		{"mon-FRI 09:00-17:00", []Window{{Days: weekdays, Start: 9 * h, End: 17 * h}}},
		{"Mon-Fri 09:00-17:00; Sat 10:00-14:00", []Window{
			{Days: weekdays, Start: 9 * h, End: 17 * h},
			{Days: [7]bool{time.Saturday: true}, Start: 10 * h, End: 14 * h},
		}},
		{"Mon,Wed 08:30-12:00", []Window{{Days: [7]bool{time.Monday: true, time.Wednesday: true}, Start: 8*h + 30*time.Minute, End: 12 * h}}},
		{"Mon, Wed, Fri-Sun 00:00-24:00", []Window{{Days: [7]bool{true, true, false, true, false, true, true}, Start: 0, End: 24 * h}}},
		{"Fri-Mon 10:00 - 16:00", []Window{{Days: [7]bool{time.Friday: true, time.Saturday: true, time.Sunday: true, time.Monday: true}, Start: 10 * h, End: 16 * h}}},
	}
	for _, tt := range tests {
		got, err := ParseSendHours(tt.in)
		if err != nil {
			t.Errorf("ParseSendHours(%q): %v", tt.in, err)
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("ParseSendHours(%q) = %+v; want %+v", tt.in, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("ParseSendHours(%q)[%d] = %+v; want %+v", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

func TestParseSendHoursRejectsBadSyntax(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"09:00-17:00", "want days then hours"},
		{"Mon-Fri", "want days then hours"},
		{"Weekdays 09:00-17:00", `unknown day "Weekdays"`},
		{"Mon-Fry 09:00-17:00", `unknown day "Fry"`},
		{"Mon-Fri 9-5", `"9" is not a time of day`},
		{"Mon-Fri 09:00", "want a time range"},
		{"Mon-Fri 17:00-09:00", "is not before end"},
		{"Mon-Fri 09:00-09:00", "is not before end"},
		{"Mon-Fri 09:00-24:30", `"24:30" is not a time of day`},
		{"Mon-Fri 09:60-17:00", `"09:60" is not a time of day`},
		{"Mon-Fri 09:00-17:00;", "want days then hours"},
		{"Mon-Fri 09:00-17:00, Sat 10:00-14:00", "not a time of day"},
	}
	for _, tt := range tests {
		_, err := ParseSendHours(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseSendHours(%q) error = %v; want one containing %q", tt.in, err, tt.wantErr)
		}
	}
}

func FuzzParseSendHours(f *testing.F) {
	for _, s := range []string{"Mon-Fri 09:00-17:00; Sat 10:00-14:00", "Fri-Mon 00:00-24:00", "Mon,Wed 9:00-5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws, err := ParseSendHours(s)
		if err != nil {
			return
		}
		for _, w := range ws {
			if w.Start < 0 || w.Start >= w.End || w.End > 24*time.Hour || w.Days == [7]bool{} {
				t.Fatalf("ParseSendHours(%q) gave bad window %+v", s, w)
			}
		}
	})
}
