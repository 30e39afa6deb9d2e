package admin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Health is what /healthz needs to know. The daemon implements it; the
// method is called on every request, from the request's goroutine, so it
// must be quick and safe for concurrent use.
type Health interface {
	// IMAPHealth reports the watcher's state: whether it is connected,
	// the last time the mailbox was fully fetched (zero = never) and the
	// last connection error ("" if none).
	IMAPHealth() (connected bool, lastSync time.Time, lastError string)
}

// healthBody is the JSON /healthz answers.
type healthBody struct {
	Status  string     `json:"status"` // ok | unhealthy
	Reasons []string   `json:"reasons,omitempty"`
	IMAP    imapHealth `json:"imap"`
}

type imapHealth struct {
	Connected bool   `json:"connected"`
	LastSync  string `json:"last_sync,omitempty"` // RFC 3339, UTC
	LastError string `json:"last_error,omitempty"`
}

// check decides health at now: IMAP must be connected, and the last full
// sync no older than maxSyncAge (when maxSyncAge > 0; a sync must have
// happened in any case).
func check(h Health, now time.Time, maxSyncAge time.Duration) (healthBody, bool) {
	connected, lastSync, lastErr := h.IMAPHealth()
	b := healthBody{Status: "ok", IMAP: imapHealth{Connected: connected}}
	if !lastSync.IsZero() {
		b.IMAP.LastSync = lastSync.UTC().Format(time.RFC3339)
	}
	if !connected {
		b.IMAP.LastError = lastErr
		r := "imap not connected"
		if lastErr != "" {
			r += ": " + lastErr
		}
		b.Reasons = append(b.Reasons, r)
	}
	switch age := now.Sub(lastSync); {
	case lastSync.IsZero():
		b.Reasons = append(b.Reasons, "no full mailbox sync yet")
	case maxSyncAge > 0 && age > maxSyncAge:
		b.Reasons = append(b.Reasons, fmt.Sprintf("last sync %s ago (limit %s)", human(age), human(maxSyncAge)))
	}
	if len(b.Reasons) > 0 {
		b.Status = "unhealthy"
	}
	return b, len(b.Reasons) == 0
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	b, ok := check(s.health, s.now(), s.maxSyncAge)
	code := http.StatusOK
	if !ok {
		code = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(b) // an error means the client went away
}

// human formats d for a reason: "45s" under a minute, whole minutes or
// hours and minutes above ("12m", "3h5m").
func human(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	s := d.Round(time.Minute).String() // "12m0s", "3h5m0s", "2h0m0s"
	s = strings.TrimSuffix(s, "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
