package mailer

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a sending limit: at most N messages Per period, spread evenly
// (one every Per/N; no bursts, which is what receiving servers like). The
// zero Rate is unlimited.
type Rate struct {
	N   int
	Per time.Duration
}

// Interval returns the least time between the starts of two sends; 0 if
// unlimited.
func (r Rate) Interval() time.Duration {
	if r.N <= 0 || r.Per <= 0 {
		return 0
	}
	return r.Per / time.Duration(r.N)
}

// String returns r as ParseRate reads it ("" for unlimited).
func (r Rate) String() string {
	if r.Interval() == 0 {
		return ""
	}
	for _, u := range rateUnits {
		if r.Per == u.d {
			return strconv.Itoa(r.N) + "/" + u.names[0]
		}
	}
	return strconv.Itoa(r.N) + "/" + r.Per.String()
}

var rateUnits = []struct {
	names []string
	d     time.Duration
}{
	{[]string{"s", "sec", "second"}, time.Second},
	{[]string{"m", "min", "minute"}, time.Minute},
	{[]string{"h", "hour"}, time.Hour},
	{[]string{"d", "day"}, 24 * time.Hour},
}

// ParseRate reads a sending limit: "N/unit" with unit s, m, h or d (or
// sec, min, minute, hour, day), such as "30/m", "1/s" or "500/h", or N per
// a Go duration such as "1/90s". "" is unlimited. N must be at least 1.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Rate{}, nil
	}
	bad := func(why string) (Rate, error) {
		return Rate{}, fmt.Errorf("rate %q: %s (want N/unit such as \"30/m\", \"1/s\" or \"500/h\")", s, why)
	}
	num, unit, ok := strings.Cut(s, "/")
	if !ok {
		return bad("no \"/\"")
	}
	n, err := strconv.Atoi(strings.TrimSpace(num))
	if err != nil || n < 1 {
		return bad("the count must be a whole number of at least 1")
	}
	unit = strings.ToLower(strings.TrimSpace(unit))
	for _, u := range rateUnits {
		for _, name := range u.names {
			if unit == name {
				return Rate{N: n, Per: u.d}, nil
			}
		}
	}
	d, err := time.ParseDuration(unit)
	if err != nil || d <= 0 {
		return bad("unknown unit " + strconv.Quote(unit))
	}
	return Rate{N: n, Per: d}, nil
}

// waitTurn reserves the next start time the rate allows and waits for
// it, or until ctx ends (the reservation is then forfeited: the limit errs
// on the slow side). It does not hold the connection while waiting, so
// Close is never held up by the rate.
func (m *Mailer) waitTurn(ctx context.Context) error {
	iv := m.rate.Interval()
	if iv == 0 {
		return nil
	}
	m.rateMu.Lock()
	turn := time.Now()
	if m.nextTurn.After(turn) {
		turn = m.nextTurn
	}
	m.nextTurn = turn.Add(iv)
	m.rateMu.Unlock()
	d := time.Until(turn)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
