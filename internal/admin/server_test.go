package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

type healthzBody struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
	IMAP    struct {
		Connected bool   `json:"connected"`
		LastSync  string `json:"last_sync"`
		LastError string `json:"last_error"`
	} `json:"imap"`
}

func healthz(t *testing.T, s *Server) (int, healthzBody) {
	t.Helper()
	code, raw := get(t, s, "/healthz")
	var b healthzBody
	if err := json.Unmarshal([]byte(raw), &b); err != nil {
		t.Fatalf("/healthz body is not JSON: %v\n%s", err, raw)
	}
	return code, b
}

func TestHealthzTurnsUnhealthyWhenIMAPDisconnects(t *testing.T) {
	clock := &fakeNow{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
	h := &fakeHealth{connected: true, lastSync: clock.now().Add(-time.Minute)}
	s := serve(t, h, NewMetrics(), clock.now, 8*time.Minute)

	code, b := healthz(t, s)
	if code != http.StatusOK || b.Status != "ok" || !b.IMAP.Connected || b.IMAP.LastSync != "2025-03-04T09:59:00Z" || len(b.Reasons) != 0 {
		t.Fatalf("connected and synced a minute ago: %d %+v, want 200 ok", code, b)
	}

	h.set(false, clock.now().Add(-time.Minute), "dial tcp 192.0.2.1:993: connection refused")
	code, b = healthz(t, s)
	if code != http.StatusServiceUnavailable || b.Status != "unhealthy" || b.IMAP.Connected {
		t.Fatalf("disconnected: %d %+v, want 503 unhealthy", code, b)
	}
	want := []string{"imap not connected: dial tcp 192.0.2.1:993: connection refused"}
	if !slices.Equal(b.Reasons, want) {
		t.Errorf("reasons = %q, want %q", b.Reasons, want)
	}

	h.set(true, clock.now(), "")
	if code, b = healthz(t, s); code != http.StatusOK {
		t.Errorf("reconnected: %d %+v, want 200", code, b)
	}
}

func TestHealthzTurnsUnhealthyWhenLastSyncGetsOld(t *testing.T) {
	clock := &fakeNow{t: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}
	h := &fakeHealth{connected: true, lastSync: clock.now()}
	s := serve(t, h, NewMetrics(), clock.now, 8*time.Minute)

	clock.advance(8 * time.Minute) // at the limit: still fine
	if code, b := healthz(t, s); code != http.StatusOK {
		t.Fatalf("synced 8m ago, limit 8m: %d %+v, want 200", code, b)
	}
	clock.advance(4 * time.Minute)
	code, b := healthz(t, s)
	if code != http.StatusServiceUnavailable || b.Status != "unhealthy" {
		t.Fatalf("synced 12m ago: %d %+v, want 503", code, b)
	}
	if want := []string{"last sync 12m ago (limit 8m)"}; !slices.Equal(b.Reasons, want) {
		t.Errorf("reasons = %q, want %q", b.Reasons, want)
	}

	h.set(false, clock.now().Add(-12*time.Minute), "")
	_, b = healthz(t, s)
	if want := []string{"imap not connected", "last sync 12m ago (limit 8m)"}; !slices.Equal(b.Reasons, want) {
		t.Errorf("both wrong: reasons = %q, want %q", b.Reasons, want)
	}
}

func TestHealthzUnhealthyBeforeFirstSync(t *testing.T) {
	s := serve(t, &fakeHealth{connected: true}, NewMetrics(), nil, 0)
	code, b := healthz(t, s)
	if code != http.StatusServiceUnavailable || b.IMAP.LastSync != "" {
		t.Fatalf("never synced: %d %+v, want 503 without last_sync", code, b)
	}
	if want := []string{"no full mailbox sync yet"}; !slices.Equal(b.Reasons, want) {
		t.Errorf("reasons = %q, want %q", b.Reasons, want)
	}
}

func TestOnlyHealthzAndMetricsAreServed(t *testing.T) {
	s := serve(t, &fakeHealth{connected: true, lastSync: time.Now()}, NewMetrics(), nil, 0)
	for _, path := range []string{"/", "/healthz/", "/healthzz", "/metrics/x", "/debug/pprof/", "/favicon.ico"} {
		if code, _ := get(t, s, path); code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, code)
		}
	}
	resp, err := http.Post("http://"+s.Addr()+"/healthz", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
}

func TestNonLoopbackListenRefusedWithoutAllowRemote(t *testing.T) {
	tests := []struct {
		listen      string
		allowRemote bool
		ok          bool
	}{
		{"127.0.0.1:9464", false, true},
		{"127.3.2.1:9464", false, true},
		{"localhost:9464", false, true},
		{"LOCALHOST:9464", false, true},
		{"[::1]:9464", false, true},
		{"[::ffff:127.0.0.1]:9464", false, true},
		{":9464", false, false},
		{"0.0.0.0:9464", false, false},
		{"[::]:9464", false, false},
		{"192.0.2.7:9464", false, false},
		{"admin.example.com:9464", false, false},
		{"127.0.0.1", false, false}, // no port
		{":9464", true, true},
		{"0.0.0.0:9464", true, true},
		{"192.0.2.7:9464", true, true},
	}
	for _, tt := range tests {
		err := checkListen(tt.listen, tt.allowRemote)
		if (err == nil) != tt.ok {
			t.Errorf("checkListen(%q, allowRemote=%v) = %v, want ok=%v", tt.listen, tt.allowRemote, err, tt.ok)
		}
	}

	// NewServer refuses before binding anything.
	_, err := NewServer("0.0.0.0:0", false, &fakeHealth{}, NewMetrics(), nil, 0)
	if err == nil || !strings.Contains(err.Error(), "allow_remote") {
		t.Errorf("NewServer(0.0.0.0:0, allowRemote=false) = %v, want a refusal naming allow_remote", err)
	}
}

func TestServeStopsOnContextCancel(t *testing.T) {
	s, err := NewServer("127.0.0.1:0", false, &fakeHealth{connected: true}, NewMetrics(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	if code, _ := get(t, s, "/metrics"); code != http.StatusOK {
		t.Fatalf("GET /metrics = %d before cancel", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel = %v, want nil", err)
		}
	case <-time.After(30 * time.Second): // a hang, not a timing assertion
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Serve returned", s.Addr())
	}
	if err := s.Serve(context.Background()); err == nil {
		t.Error("second Serve = nil, want an error")
	}
}

func TestCloseBeforeServeReleasesTheAddress(t *testing.T) {
	s, err := NewServer("127.0.0.1:0", false, &fakeHealth{}, NewMetrics(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("address still taken after Close: %v", err)
	}
	ln.Close()
	if err := s.Serve(context.Background()); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after Close = %v, want an error", err)
	}
}

func TestReasonAgesReadLikeAPerson(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{45*time.Second + 300*time.Millisecond, "45s"},
		{8 * time.Minute, "8m"},
		{12*time.Minute + 20*time.Second, "12m"},
		{2 * time.Hour, "2h"},
		{3*time.Hour + 5*time.Minute, "3h5m"},
		{50 * time.Hour, "50h"},
	}
	for _, tt := range tests {
		if got := human(tt.d); got != tt.want {
			t.Errorf("human(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
