package rules

import (
	"testing"
	"time"

	"github.com/followupd/followupd/internal/config"
)

func TestNextAllowedMovesIntoTheSendingWindow(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	weekdays, err := config.ParseSendHours("Mon-Fri 09:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	two, _ := config.ParseSendHours("Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00; Sat 10:00-14:00")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, chicago)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name    string
		windows []config.Window
		in      string
		want    string
	}{
		{"inside the window stays", weekdays, "2026-03-04 10:30", "2026-03-04 10:30"},
		{"03:00 moves to 09:00", weekdays, "2026-03-04 03:00", "2026-03-04 09:00"},
		{"after hours moves to the next morning", weekdays, "2026-03-04 17:00", "2026-03-05 09:00"},
		{"Friday evening moves to Monday", weekdays, "2026-03-06 18:00", "2026-03-09 09:00"},
		{"Saturday moves to Monday", weekdays, "2026-03-07 11:00", "2026-03-09 09:00"},
		{"lunch gap moves to 13:00", two, "2026-03-04 12:15", "2026-03-04 13:00"},
		{"Saturday window", two, "2026-03-07 08:00", "2026-03-07 10:00"},
		// DST starts in Chicago on Sunday 2026-03-08: Monday 09:00 is still 09:00 local.
		{"across spring-forward", weekdays, "2026-03-07 20:00", "2026-03-09 09:00"},
		// DST ends on 2026-11-01.
		{"across fall-back", weekdays, "2026-10-31 20:00", "2026-11-02 09:00"},
		{"no windows: any time", nil, "2026-03-07 03:00", "2026-03-07 03:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NextAllowed(at(tt.in), tt.windows, chicago, nil)
			if want := at(tt.want); !got.Equal(want) {
				t.Errorf("NextAllowed(%s) = %s, want %s", tt.in, got.In(chicago).Format("2006-01-02 15:04 MST"), want.Format("2006-01-02 15:04 MST"))
			}
		})
	}
}
