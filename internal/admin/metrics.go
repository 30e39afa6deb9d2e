package admin

import (
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

const namespace = "followupd"

// Histogram buckets, in seconds. Arrival to ingest is about a second with
// IDLE, minutes when polling, and hours after the daemon was down. Due to
// sent is near zero unless the dispatcher is behind or sends are retried.
var (
	ingestBuckets = []float64{0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600}
	sendBuckets   = []float64{0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600}
)

// Metrics are followupd's Prometheus metrics, registered on their own
// registry (no global state). The zero value is not usable; call
// NewMetrics. All methods are safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	ingested   *prometheus.CounterVec
	skipped    *prometheus.CounterVec
	sent       *prometheus.CounterVec
	failed     *prometheus.CounterVec
	inDoubt    prometheus.Counter
	reconnects prometheus.Counter
	ingestLat  prometheus.Histogram
	sendLat    prometheus.Histogram

	queueDepth atomic.Pointer[func() float64]
}

// NewMetrics returns the daemon's metrics on a fresh registry that also
// holds the Go runtime and process collectors. Every skip label of
// SkipLabels is exported at 0 from the start, so rates work from the
// first scrape.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_ingested_total",
			Help: "Messages recorded from the mailbox, by kind (customer, forward, owner-reply, bounce, ...).",
		}, []string{"kind"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "messages_skipped_total",
			Help: "Messages that started no follow-up, by reason (a fixed set: see SkipLabel).",
		}, []string{"reason"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "followups_sent_total",
			Help: "Follow-ups accepted by the SMTP server, by template.",
		}, []string{"template"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "followups_failed_total",
			Help: "Follow-up send attempts that failed, by template and kind (permanent or temporary).",
		}, []string{"template", "kind"}),
		inDoubt: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "followups_in_doubt_total",
			Help: "Follow-ups whose send was interrupted and could not be confirmed either way.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "imap_reconnects_total",
			Help: "Times the IMAP watcher reconnected after losing its connection.",
		}),
		ingestLat: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "arrival_to_ingest_seconds",
			Help:    "Time from a message's arrival in the mailbox (IMAP INTERNALDATE) to its ingestion.",
			Buckets: ingestBuckets,
		}),
		sendLat: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace, Name: "due_to_sent_seconds",
			Help:    "Time from a follow-up's due time to its successful send.",
			Buckets: sendBuckets,
		}),
	}
	queueDepth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "queue_depth",
		Help: "Follow-ups planned and not yet sent or cancelled.",
	}, m.readQueueDepth)

	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ingested, m.skipped, m.sent, m.failed, m.inDoubt, m.reconnects,
		m.ingestLat, m.sendLat, queueDepth,
	)
	for _, l := range SkipLabels() {
		m.skipped.WithLabelValues(l)
	}
	return m
}

// Registry returns the registry that holds every followupd metric and the
// Go and process collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Ingested counts one message recorded from the mailbox. kind must come
// from a small fixed set chosen by the daemon (customer, forward,
// owner-reply, bounce, ...), never from the message.
func (m *Metrics) Ingested(kind string) { m.ingested.WithLabelValues(kind).Inc() }

// Skipped counts one message that starts no follow-up. reason may be
// free-form (rules.Decision.Skip, a parse error, ...): it is folded into
// the bounded label set by SkipLabel.
func (m *Metrics) Skipped(reason string) { m.skipped.WithLabelValues(SkipLabel(reason)).Inc() }

// Sent counts one follow-up accepted by the SMTP server. template is the
// configured template name.
func (m *Metrics) Sent(template string) { m.sent.WithLabelValues(template).Inc() }

// Failed counts one failed send attempt of template, as
// kind="permanent" (5xx) or kind="temporary" (4xx, network, unknown).
func (m *Metrics) Failed(template string, permanent bool) {
	kind := "temporary"
	if permanent {
		kind = "permanent"
	}
	m.failed.WithLabelValues(template, kind).Inc()
}

// InDoubt counts one follow-up whose interrupted send could not be
// reconciled.
func (m *Metrics) InDoubt() { m.inDoubt.Inc() }

// Reconnect counts one IMAP reconnection.
func (m *Metrics) Reconnect() { m.reconnects.Inc() }

// ObserveIngestLatency records the time from a message's arrival (IMAP
// INTERNALDATE) to its ingestion. A negative d (clock skew between the
// IMAP server and this host) is recorded as 0.
func (m *Metrics) ObserveIngestLatency(d time.Duration) { m.ingestLat.Observe(seconds(d)) }

// ObserveSendLatency records the time from a follow-up's due time to its
// successful send. A negative d is recorded as 0.
func (m *Metrics) ObserveSendLatency(d time.Duration) { m.sendLat.Observe(seconds(d)) }

// SetQueueDepthFunc sets the function behind followupd_queue_depth, the
// number of pending follow-ups. It is called on every scrape, from the
// scraping goroutine, so it must be quick and safe for concurrent use; it
// should return math.NaN() when the depth cannot be read. Until it is set,
// and if it panics, the gauge reads NaN. Setting it again replaces it; nil
// unsets it.
func (m *Metrics) SetQueueDepthFunc(f func() float64) {
	if f == nil {
		m.queueDepth.Store(nil)
		return
	}
	m.queueDepth.Store(&f)
}

// readQueueDepth runs in a goroutine of Registry.Gather, where a panic
// would take the daemon down: it is turned into NaN instead.
func (m *Metrics) readQueueDepth() (v float64) {
	f := m.queueDepth.Load()
	if f == nil {
		return math.NaN()
	}
	defer func() {
		if recover() != nil {
			v = math.NaN()
		}
	}()
	return (*f)()
}

func seconds(d time.Duration) float64 {
	if d < 0 {
		return 0
	}
	return d.Seconds()
}
