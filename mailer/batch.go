package mailer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
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
	msgs := make([]*message, len(mails))
	errs := make([]error, len(mails))
	for i, ml := range mails {
		msg, err := render(ml)
		switch {
		case err != nil:
			errs[i] = buildError(err)
		case bytes.ContainsAny([]byte(msg.from+msg.to), "\r\n"):
			// Never: Build takes bare addresses only.
			errs[i] = &Error{Permanent: true, Stage: StageRcpt, Err: errors.New("envelope address contains a line break")}
		}
		msgs[i] = msg
	}
	// Mails that cannot be built are reported in their turn; the first
	// one to send decides whether a connection is needed at all.
	start := 0
	for ; start < len(mails) && errs[start] != nil; start++ {
		if !done(start, errs[start]) {
			return start + 1
		}
	}
	if start == len(mails) {
		return start
	}
	var c *slot
	select {
	case c = <-m.idle:
	case <-ctx.Done():
		return start
	}
	fresh, e := m.ready(ctx, c)
	if e != nil {
		m.idle <- c
		done(start, e)
		return start + 1
	}
	if !c.sess.pipelining {
		m.idle <- c
		return m.sendEach(ctx, mails, start, done)
	}
	b := &batch{s: c.sess, ctx: ctx, msgs: msgs, errs: errs, done: done, n: start}
	n, broken := b.run(start, !fresh && ctx.Err() == nil)
	if broken && n == start {
		// The reused connection was gone before the first envelope got
		// any reply: nothing was sent. Once more on a new connection.
		c.sess.close()
		c.sess = nil
		if _, e := m.ready(ctx, c); e != nil {
			m.idle <- c
			done(start, e)
			return start + 1
		}
		b = &batch{s: c.sess, ctx: ctx, msgs: msgs, errs: errs, done: done, n: start}
		n, broken = b.run(start, false)
	}
	c.lastUsed = time.Now()
	if broken {
		c.sess.close()
		c.sess = nil
	}
	m.idle <- c
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
	b.s.deadline()
	b.s.writeEnvelope(b.msgs[i])
	if err := b.s.c.Text.W.Flush(); err != nil {
		if retry && b.n == first {
			return b.n, true
		}
		b.report(i, classify(err, StageRcpt))
		return b.n, true
	}
	for {
		msg := b.msgs[i]
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
			b.s.deadline()
			b.s.writeEnvelope(b.msgs[i])
			if err := b.s.c.Text.W.Flush(); err != nil {
				b.report(i, classify(err, StageRcpt))
				return b.n, true
			}
			continue
		}
		// The content, dot-stuffed; its final dot waits for BeforeDot.
		body, dot := stuff(msg.raw)
		b.s.deadline()
		w := b.s.c.Text.W
		if _, err := w.Write(body); err != nil {
			b.report(i, classify(err, StageData))
			return b.n, true
		}
		if msg.beforeDot != nil {
			if err := msg.beforeDot(); err != nil {
				b.report(i, &Error{Stage: StageData, Err: fmt.Errorf("before the final dot: %w", err)})
				return b.n, true
			}
		}
		w.Write(dot)
		// The next mail's envelope rides with this one's final dot.
		j, pipelined := i+1, false
		for j < len(b.msgs) && b.errs[j] != nil {
			j++
		}
		if j < len(b.msgs) && b.ctx.Err() == nil {
			b.s.writeEnvelope(b.msgs[j])
			pipelined = true
		}
		if err := w.Flush(); err != nil {
			// The dot did not (completely) reach the wire.
			b.report(i, classify(err, StageData))
			return b.n, true
		}
		b.s.deadline()
		_, reply, err := b.s.c.Text.ReadResponse(250)
		b.s.traceServer(250, reply, err)
		var te *textproto.Error
		if err != nil && !errors.As(err, &te) {
			b.report(i, dotError(err)) // in doubt
			return b.n, true
		}
		if !b.report(i, dotErrorOrNil(err)) {
			return b.n, pipelined
		}
		// Build failures between i and j are reported in their turn.
		var ok bool
		if i, ok = b.next(i + 1); !ok {
			return b.n, pipelined
		}
		if i == len(b.msgs) || !pipelined {
			return b.n, false
		}
	}
}

func dotErrorOrNil(err error) error {
	if err == nil {
		return nil
	}
	return dotError(err)
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
