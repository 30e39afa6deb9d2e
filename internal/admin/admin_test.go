package admin

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHealth is a Health the test changes while the server reads it.
type fakeHealth struct {
	mu        sync.Mutex
	connected bool
	lastSync  time.Time
	lastErr   string
}

func (f *fakeHealth) IMAPHealth() (bool, time.Time, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.connected, f.lastSync, f.lastErr
}

func (f *fakeHealth) set(connected bool, lastSync time.Time, lastErr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.connected, f.lastSync, f.lastErr = connected, lastSync, lastErr
}

// fakeNow is an injected clock for the server.
type fakeNow struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeNow) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeNow) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// serve starts a server on 127.0.0.1:0 and stops it when the test ends,
// failing the test if Serve returns an error.
func serve(t *testing.T, h Health, m *Metrics, now func() time.Time, maxSyncAge time.Duration) *Server {
	t.Helper()
	s, err := NewServer("127.0.0.1:0", false, h, m, now, maxSyncAge)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return s
}

// get fetches path from s and returns the status code and body.
func get(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: read body: %v", path, err)
	}
	return resp.StatusCode, string(b)
}

// scrape fetches /metrics and returns each sample line's value by its
// series ("name{labels}"), as the text exposition writes them.
func scrape(t *testing.T, s *Server) map[string]string {
	t.Helper()
	code, body := get(t, s, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d\n%s", code, body)
	}
	series := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("malformed sample line %q", line)
		}
		series[line[:i]] = line[i+1:]
	}
	return series
}
