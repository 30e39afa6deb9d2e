package mailer

import (
	"bufio"
	"bytes"
	"context"
	"net/textproto"
	"time"
)

// SendBatch sends mails in order over one connection and reports each
// outcome to done, in order, as soon as it is known: nil, or an *Error as
// Send returns it. When done returns false, no further mail is started.
// It returns how many mails done was called for; the caller still owns
// the rest, none of which reached the server's DATA.
//
// When the server offers PIPELINING and no rate is set, each mail's MAIL,
// RCPT and DATA go in the same write as the previous mail's final dot:
// one round trip per mail instead of two (RFC 2920 lets a client pipeline
// the next transaction behind the end of the data). BeforeDot still runs,
// and completes, before that mail's final dot is written. Otherwise the
// mails go one by one through Send.
func (m *Mailer) SendBatch(ctx context.Context, mails []*Mail, done func(i int, err error) bool) int {
	if len(mails) == 0 {
		return 0
	}
	if m.rate.Interval() != 0 {
		return m.sendEach(ctx, mails, 0, done)
	}
	b := &batch{ctx: ctx, msgs: make([]*message, len(mails)), errs: make([]error, len(mails)), done: done}
	for i, ml := range mails {
		if msg, err := render(ml); err != nil {
			b.errs[i] = buildError(err)
		} else {
			b.msgs[i] = msg
		}
	}
	// Mails that cannot be built are reported in their turn; the first
	// one to send decides whether a connection is needed at all.
	start, ok := b.next(0)
	if !ok || start == len(mails) {
		return b.n
	}
	var c *slot
	select {
	case c = <-m.idle:
	case <-ctx.Done():
		return start
	}
	fresh, e := m.ready(ctx, c)
	if e == nil && !c.sess.pipelining {
		m.idle <- c
		return m.sendEach(ctx, mails, start, done)
	}
	defer func() { m.idle <- c }()
	if e != nil {
		done(start, e)
		return start + 1
	}
	b.s = c.sess
	n, broken := b.run(start, !fresh && ctx.Err() == nil)
	if broken && n == start {
		// The reused connection was gone before the first envelope got
		// any reply: nothing was sent. Once more on a new connection.
		c.drop()
		if _, e := m.ready(ctx, c); e != nil {
			done(start, e)
			return start + 1
		}
		b.s = c.sess
		n, broken = b.run(start, false)
	}
	c.lastUsed = time.Now()
	if broken {
		c.drop()
	}
	return n
}

// sendEach sends mails[from:] one by one with Send.
func (m *Mailer) sendEach(ctx context.Context, mails []*Mail, from int, done func(int, error) bool) int {
	for i := from; i < len(mails); i++ {
		if !done(i, m.Send(ctx, mails[i])) {
			return i + 1
		}
	}
	return len(mails)
}

// batch is one SendBatch on one pipelining connection.
type batch struct {
	s    *session
	ctx  context.Context
	msgs []*message
	errs []error // build errors
	done func(int, error) bool
	n    int // outcomes reported
}

// report calls done for mail i; false means stop.
func (b *batch) report(i int, err error) bool {
	b.n = i + 1
	return b.done(i, err)
}

// next reports the build failures from i on and returns the first mail
// that can be sent, or len(msgs); ok is false if done said stop.
func (b *batch) next(i int) (int, bool) {
	for ; i < len(b.msgs) && b.errs[i] != nil; i++ {
		if !b.report(i, b.errs[i]) {
			return i, false
		}
	}
	return i, true
}

// run sends the batch from mail i, which can be built. It returns how
// many outcomes were reported (b.n starts at i) and whether the
// connection must be dropped (broken, or left with an envelope open).
// With retry, a connection found gone before the first envelope got any
// reply is reported as nothing done, for SendBatch to try a new one.
func (b *batch) run(i int, retry bool) (n int, broken bool) {
	first := i
	stop := context.AfterFunc(b.ctx, func() { b.s.raw.Close() })
	defer stop()
	if e := b.s.sendEnvelope(b.msgs[i]); e != nil {
		if retry {
			return b.n, true
		}
		b.report(i, e)
		return b.n, true
	}
	for {
		if e := b.s.readEnvelope(); e != nil {
			if e.Code == 0 {
				// No reply: the connection is gone, and the mail with it.
				if retry && b.n == first {
					return b.n, true
				}
				b.report(i, e)
				return b.n, true
			}
			if !b.report(i, e) {
				return b.n, false
			}
			var ok bool
			if i, ok = b.next(i + 1); !ok || i == len(b.msgs) {
				return b.n, false
			}
			if e := b.s.sendEnvelope(b.msgs[i]); e != nil {
				b.report(i, e)
				return b.n, true
			}
			continue
		}
		// The next mail's envelope rides with this one's final dot.
		j := i + 1
		for j < len(b.msgs) && b.errs[j] != nil {
			j++
		}
		var next *message
		if j < len(b.msgs) && b.ctx.Err() == nil {
			next = b.msgs[j]
		}
		e := b.s.data(b.msgs[i], next)
		var err error // a nil *Error must not become a non-nil error
		if e != nil {
			err = e
		}
		goOn := b.report(i, err)
		if e != nil && e.Code == 0 {
			return b.n, true // no reply: the connection is gone
		}
		if !goOn {
			return b.n, next != nil
		}
		// Build failures between i and j are reported in their turn.
		var ok bool
		if i, ok = b.next(i + 1); !ok {
			return b.n, next != nil
		}
		if i == len(b.msgs) || next == nil {
			return b.n, false
		}
	}
}

// stuff returns msg dot-stuffed for DATA (RFC 5321 4.5.2), with CRLF
// line ends, and the final ".\r\n" apart.
func stuff(msg []byte) (body, dot []byte) {
	var buf bytes.Buffer
	buf.Grow(len(msg) + len(msg)/64 + 8)
	tw := textproto.NewWriter(bufio.NewWriter(&buf))
	dw := tw.DotWriter()
	dw.Write(msg)
	dw.Close()
	out := buf.Bytes()
	return out[:len(out)-3], out[len(out)-3:]
}
