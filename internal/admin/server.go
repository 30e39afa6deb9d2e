package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Timeouts of the admin listener. Scrapes are small and local; nothing
// here needs a long-lived connection.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 60 * time.Second
	scrapeTimeout     = 20 * time.Second // under writeTimeout, so the client gets a 503, not a cut connection
	shutdownTimeout   = 5 * time.Second
	maxHeaderBytes    = 8 << 10
)

// Server is the admin HTTP listener: /healthz and /metrics. Create it with
// NewServer, run it with Serve.
type Server struct {
	ln         net.Listener
	srv        *http.Server
	health     Health
	now        func() time.Time
	maxSyncAge time.Duration

	mu      sync.Mutex
	started bool
	closed  bool
}

// NewServer binds listen (host:port; port 0 picks a free one) and returns a
// Server that serves /healthz from h and /metrics from m's registry once
// Serve runs. It refuses a non-loopback address unless allowRemote is true
// (config: [admin] listen = "127.0.0.1:9464", allow_remote = false), and
// fails if the address cannot be bound, so both problems show at start-up.
//
// /healthz is healthy while h reports IMAP connected and a full sync no
// older than maxSyncAge at now() (the daemon passes 2× the IMAP idle
// refresh; maxSyncAge <= 0 disables the age limit, not the need for a
// first sync). now nil means time.Now.
//
// The caller must call Serve or Close to release the listener.
func NewServer(listen string, allowRemote bool, h Health, m *Metrics, now func() time.Time, maxSyncAge time.Duration) (*Server, error) {
	if h == nil || m == nil {
		return nil, errors.New("admin server: health source and metrics are required")
	}
	if err := checkListen(listen, allowRemote); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("admin listen: %w", err)
	}
	s := &Server{ln: ln, health: h, now: now, maxSyncAge: maxSyncAge}

	reg := m.Registry()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:            reg, // counts its own errors as promhttp_metric_handler_errors_total
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             scrapeTimeout,
	}))
	s.srv = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
	}
	return s, nil
}

// Addr returns the address the server is bound to, with the actual port
// when listen asked for port 0 (e.g. "127.0.0.1:41234").
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx ends, then shuts down gracefully: it stops
// accepting, lets requests in flight finish for up to a few seconds, and
// closes what is left. It returns nil after a shutdown caused by ctx, and
// an error if the listener fails, if Serve was already called or if the
// server was closed. A panic in the serving goroutine is returned as an
// error with its stack; panics in handlers are recovered by net/http.
func (s *Server) Serve(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.closed {
		s.mu.Unlock()
		return errors.New("admin server: Serve called twice or after Close")
	}
	s.started = true
	s.mu.Unlock()

	errc := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				errc <- fmt.Errorf("admin server panic: %v\n%s", r, debug.Stack())
			}
		}()
		errc <- s.srv.Serve(s.ln)
	}()

	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil // Close was called
		}
		return fmt.Errorf("admin serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		s.srv.Close() // requests still running after the grace period
	}
	<-errc // http.ErrServerClosed
	return nil
}

// Close closes the listener and every connection at once. It is for a
// daemon that fails to start after NewServer; a running server stops when
// Serve's context ends.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	started := s.started
	s.mu.Unlock()
	if !started {
		return s.ln.Close()
	}
	return s.srv.Close()
}
