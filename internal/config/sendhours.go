package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is one sending window of Business.SendHours, in the business
// time zone: the days it applies to and a time-of-day range.
type Window struct {
	Days  [7]bool       // indexed by time.Weekday
	Start time.Duration // offset from midnight, 0 <= Start < End
	End   time.Duration // offset from midnight, End <= 24h; exclusive
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseSendHours parses send_hours: windows separated by ";", each a day
// spec and a time range, as in "Mon-Fri 09:00-17:00; Sat 10:00-14:00". A
// day spec is a comma-separated list of days ("Sat") and day ranges
// ("Mon-Fri", or "Fri-Mon" wrapping over the weekend); day names are the
// three-letter English ones, in any case. Times are HH:MM, 24:00 allowed as
// an end. An empty or blank s returns nil: any time.
func ParseSendHours(s string) ([]Window, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var ws []Window
	for _, part := range strings.Split(s, ";") {
		w, err := parseWindow(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%q: %w (want e.g. \"Mon-Fri 09:00-17:00; Sat 10:00-14:00\")", part, err)
		}
		ws = append(ws, w)
	}
	return ws, nil
}

func parseWindow(s string) (Window, error) {
	var w Window
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		i = len(s)
	}
	days := strings.ReplaceAll(strings.TrimSpace(s[:i]), " ", "")
	hours := strings.ReplaceAll(s[i:], " ", "")
	if days == "" || hours == "" {
		return w, fmt.Errorf("want days then hours")
	}
	for _, d := range strings.Split(days, ",") {
		from, to, isRange := strings.Cut(d, "-")
		first, ok := dayNames[strings.ToLower(from)]
		if !ok {
			return w, fmt.Errorf("unknown day %q", from)
		}
		last := first
		if isRange {
			if last, ok = dayNames[strings.ToLower(to)]; !ok {
				return w, fmt.Errorf("unknown day %q", to)
			}
		}
		for day := first; ; day = (day + 1) % 7 {
			w.Days[day] = true
			if day == last {
				break
			}
		}
	}
	start, end, ok := strings.Cut(hours, "-")
	if !ok {
		return w, fmt.Errorf("want a time range like 09:00-17:00, got %q", hours)
	}
	var err error
	if w.Start, err = parseClock(start); err != nil {
		return w, err
	}
	if w.End, err = parseClock(end); err != nil {
		return w, err
	}
	if w.Start >= w.End || w.Start == 24*time.Hour {
		return w, fmt.Errorf("start %s is not before end %s", start, end)
	}
	return w, nil
}

// parseClock parses HH:MM (00:00 to 24:00) into an offset from midnight.
func parseClock(s string) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || len(hh) != 2 || len(mm) != 2 || err1 != nil || err2 != nil ||
		h < 0 || h > 24 || m < 0 || m > 59 || h == 24 && m != 0 {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}
