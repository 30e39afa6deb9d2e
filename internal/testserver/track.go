package testserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// closeWait bounds how long Stop and Close wait for connection goroutines.
const closeWait = 10 * time.Second

// tracker remembers the connections accepted through a trackedListener so
// they can be force-closed, and waits until the server code that owns each
// connection has closed it (the last thing its goroutine does).
type tracker struct {
	mu    sync.Mutex
	conns map[*trackedConn]struct{}
	wg    sync.WaitGroup
}

func newTracker() *tracker {
	return &tracker{conns: make(map[*trackedConn]struct{})}
}

// listen listens on addr (127.0.0.1:port) and tracks accepted connections.
func (t *tracker) listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &trackedListener{Listener: ln, t: t}, nil
}

// closeAll closes the raw connection of every tracked conn. The owning
// goroutines then see an error and close the conn themselves.
func (t *tracker) closeAll() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for c := range t.conns {
		c.Conn.Close()
	}
}

// wait waits until every tracked conn has been closed by its owner.
func (t *tracker) wait(d time.Duration) error {
	done := make(chan struct{})
	go func() {
		t.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(d):
		t.mu.Lock()
		n := len(t.conns)
		t.mu.Unlock()
		return fmt.Errorf("%d connections still open after %v", n, d)
	}
}

type trackedListener struct {
	net.Listener
	t *tracker
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, t: l.t}
	l.t.mu.Lock()
	l.t.conns[tc] = struct{}{}
	l.t.wg.Add(1)
	l.t.mu.Unlock()
	return tc, nil
}

// trackedConn is a net.Conn whose Close is reported to its tracker once.
type trackedConn struct {
	net.Conn
	t    *tracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
		c.t.wg.Done()
	})
	return err
}

// abort closes the raw connection without reporting it, for fault
// injection from inside a handler whose goroutine still has work to do.
func abort(c net.Conn) {
	if tlc, ok := c.(*tls.Conn); ok {
		c = tlc.NetConn()
	}
	if tc, ok := c.(*trackedConn); ok {
		tc.Conn.Close()
		return
	}
	c.Close()
}

// isClosed reports whether err only says the listener was closed.
func isClosed(err error) bool {
	return err == nil || errors.Is(err, net.ErrClosed)
}
