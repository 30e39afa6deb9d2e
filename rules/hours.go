package rules

import (
	"time"

	"github.com/followupd/followupd/internal/config"
)

// NextAllowed returns the earliest time at or after t that falls inside one
// of the sending windows, read in the business time zone loc, and not on a
// holiday ("2006-01-02" keys in loc). No windows means any time of day. Wall-clock times are built with time.Date in loc, so a
// window "09:00-17:00" opens at 09:00 local on both sides of a DST change;
// a window that opens in a skipped hour opens when the clocks resume.
func NextAllowed(t time.Time, windows []config.Window, loc *time.Location, holidays map[string]bool) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	if len(windows) == 0 {
		windows = []config.Window{{Days: [7]bool{true, true, true, true, true, true, true}, End: 24 * time.Hour}}
	}
	local := t.In(loc)
	var best time.Time
	for day := 0; day < 60; day++ { // long holiday lists end within two months
		y, m, dd := local.Date()
		date := time.Date(y, m, dd+day, 0, 0, 0, 0, loc)
		if holidays[date.Format("2006-01-02")] {
			continue
		}
		for _, w := range windows {
			if !w.Days[date.Weekday()] {
				continue
			}
			start := wall(date, w.Start, loc)
			end := wall(date, w.End, loc)
			var cand time.Time
			switch {
			case !t.Before(start) && t.Before(end):
				cand = t
			case t.Before(start):
				cand = start
			default:
				continue
			}
			if best.IsZero() || cand.Before(best) {
				best = cand
			}
		}
		if !best.IsZero() {
			return best
		}
	}
	return t // windows that never open: config validation prevents this
}

// wall returns the wall-clock time off (since midnight) on date in loc.
func wall(date time.Time, off time.Duration, loc *time.Location) time.Time {
	y, m, d := date.Date()
	h := int(off / time.Hour)
	min := int(off % time.Hour / time.Minute)
	return time.Date(y, m, d, h, min, 0, 0, loc)
}
