package admin

import (
	"strings"
	"testing"
	"time"
)

func TestMetricsEndpointExposesEveryFamilyAfterCalls(t *testing.T) {
	m := NewMetrics()
	m.Ingested("customer")
	m.Ingested("customer")
	m.Ingested("forward")
	m.Skipped("Auto-Submitted: auto-replied")
	m.Skipped("out-of-office reply")
	m.Skipped("Precedence: bulk")
	m.Skipped("a reason nobody planned for")
	m.Sent("thanks")
	m.Failed("thanks", true)
	m.Failed("thanks", false)
	m.Failed("thanks", false)
	m.InDoubt()
	m.Reconnect()
	m.Reconnect()
	m.Reconnect()
	m.ObserveIngestLatency(30 * time.Second)
	m.ObserveIngestLatency(time.Minute)
	m.ObserveIngestLatency(-time.Second) // IMAP server clock ahead: counted as 0
	m.ObserveSendLatency(2 * time.Second)
	m.SetQueueDepthFunc(func() float64 { return 7 })

	s := serve(t, &fakeHealth{connected: true}, m, nil, 0)
	got := scrape(t, s)

	want := map[string]string{
		`followupd_messages_ingested_total{kind="customer"}`:                   "2",
		`followupd_messages_ingested_total{kind="forward"}`:                    "1",
		`followupd_messages_skipped_total{reason="auto-reply"}`:                "2",
		`followupd_messages_skipped_total{reason="bulk"}`:                      "1",
		`followupd_messages_skipped_total{reason="other"}`:                     "1",
		`followupd_messages_skipped_total{reason="list"}`:                      "0", // every label exported from the start
		`followupd_followups_sent_total{template="thanks"}`:                    "1",
		`followupd_followups_failed_total{kind="permanent",template="thanks"}`: "1",
		`followupd_followups_failed_total{kind="temporary",template="thanks"}`: "2",
		`followupd_followups_in_doubt_total`:                                   "1",
		`followupd_imap_reconnects_total`:                                      "3",
		`followupd_arrival_to_ingest_seconds_count`:                            "3",
		`followupd_arrival_to_ingest_seconds_sum`:                              "90",
		`followupd_arrival_to_ingest_seconds_bucket{le="0.5"}`:                 "1",
		`followupd_arrival_to_ingest_seconds_bucket{le="30"}`:                  "2",
		`followupd_arrival_to_ingest_seconds_bucket{le="60"}`:                  "3",
		`followupd_arrival_to_ingest_seconds_bucket{le="+Inf"}`:                "3",
		`followupd_due_to_sent_seconds_count`:                                  "1",
		`followupd_due_to_sent_seconds_sum`:                                    "2",
		`followupd_queue_depth`:                                                "7",
	}
	for series, v := range want {
		if got[series] != v {
			t.Errorf("%s = %q, want %q", series, got[series], v)
		}
	}
	for series := range got {
		if r, ok := strings.CutPrefix(series, `followupd_messages_skipped_total{reason="`); ok {
			if l := strings.TrimSuffix(r, `"}`); SkipLabel(l) != l {
				t.Errorf("skip label %q is outside the fixed set", l)
			}
		}
	}
	// The standard collectors are on the same registry.
	for _, name := range []string{"go_goroutines", "go_memstats_alloc_bytes", "process_cpu_seconds_total", "process_open_fds"} {
		if _, ok := got[name]; !ok {
			t.Errorf("%s missing from /metrics", name)
		}
	}
}

func TestQueueDepthIsNaNUntilSetAndWhenItsFuncPanics(t *testing.T) {
	m := NewMetrics()
	s := serve(t, &fakeHealth{connected: true}, m, nil, 0)

	if v := scrape(t, s)["followupd_queue_depth"]; v != "NaN" {
		t.Errorf("before SetQueueDepthFunc: queue depth = %q, want NaN", v)
	}
	m.SetQueueDepthFunc(func() float64 { return 3 })
	if v := scrape(t, s)["followupd_queue_depth"]; v != "3" {
		t.Errorf("queue depth = %q, want 3", v)
	}
	m.SetQueueDepthFunc(func() float64 { panic("database is closed") })
	if v := scrape(t, s)["followupd_queue_depth"]; v != "NaN" {
		t.Errorf("func panicked: queue depth = %q, want NaN", v)
	}
	m.SetQueueDepthFunc(nil)
	if v := scrape(t, s)["followupd_queue_depth"]; v != "NaN" {
		t.Errorf("func unset: queue depth = %q, want NaN", v)
	}
}

func TestEachMetricsHasItsOwnRegistry(t *testing.T) {
	a, b := NewMetrics(), NewMetrics() // would panic on a shared registry
	a.Sent("thanks")
	if a.Registry() == b.Registry() {
		t.Fatal("two Metrics share a registry")
	}
	mfs, err := b.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "followupd_followups_sent_total" && len(mf.GetMetric()) > 0 {
			t.Errorf("a's send shows in b: %v", mf)
		}
	}
}
