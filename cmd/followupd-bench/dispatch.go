package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

// dispatchResult is one run of the dispatcher over pre-planned follow-ups.
type dispatchResult struct {
	sent  int
	rate  float64       // messages/s from the first capture to the last
	total time.Duration // from starting the daemon to the last capture
	stats store.Stats
	cpu   time.Duration // the daemon process's CPU time, start to stop; 0 in-process
}

// daemonDispatch plans n follow-ups, all due, then starts followupd on an
// empty mailbox and waits (bounded) until the SMTP server captured n.
func daemonDispatch(ctx context.Context, bin string, dc daemonConf, smtp *testserver.SMTP, n int) (dispatchResult, error) {
	var res dispatchResult
	validity, last, err := createMailbox(dc.imapAddr, dc.mailbox)
	if err != nil {
		return res, err
	}
	if err := dc.write(); err != nil {
		return res, err
	}
	st, err := store.Open(ctx, dc.dbPath())
	if err != nil {
		return res, err
	}
	defer st.Close()
	if err := setCheckpoint(ctx, st, dc.mailbox, validity, last); err != nil {
		return res, err
	}
	if err := seedPending(ctx, st, "disp", n, time.Now().Add(-time.Minute)); err != nil {
		return res, err
	}
	base := len(smtp.Messages())
	start := time.Now()
	p, err := startDaemon(bin, dc)
	if err != nil {
		return res, err
	}
	defer p.stop()
	limit := 60*time.Second + time.Duration(n)*50*time.Millisecond
	wctx, cancel := context.WithTimeout(ctx, limit)
	msgs, err := smtp.Wait(wctx, base+n)
	cancel()
	if err != nil {
		if perr := p.exited(); perr != nil {
			return res, perr
		}
		return res, fmt.Errorf("dispatch: %w; log:\n%s", err, tail(p.log, 10))
	}
	msgs = msgs[base : base+n]
	res.sent = n
	res.total = msgs[n-1].At.Sub(start)
	res.rate = spanRate(msgs[0].At, msgs[n-1].At, n)
	// Let the last MarkSent (and Sent-folder APPEND) land before stopping.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res.stats, err = st.Stats(ctx); err != nil {
			return res, err
		}
		if res.stats.Followups[core.Sent] >= n || time.Now().After(deadline) {
			break
		}
		pause(ctx, 20*time.Millisecond)
	}
	err = p.stop()
	res.cpu = p.cpu
	return res, err
}

// bareSend sends n messages like the daemon's thank-yous with go-mail
// over one connection, one Send per message (go-mail checks the
// connection with NOOP before each, as the daemon's mailer does), and
// returns messages/s from the first capture to the last.
func bareSend(ctx context.Context, smtp *testserver.SMTP, n int) (float64, error) {
	host, port, err := net.SplitHostPort(smtp.Addr())
	if err != nil {
		return 0, err
	}
	p, _ := strconv.Atoi(port)
	c, err := gomail.NewClient(host, gomail.WithPort(p), gomail.WithTLSPolicy(gomail.NoTLS),
		gomail.WithHELO("bench.example.test"), gomail.WithTimeout(30*time.Second))
	if err != nil {
		return 0, err
	}
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = c.DialWithContext(dctx)
	cancel()
	if err != nil {
		return 0, fmt.Errorf("go-mail dial: %w", err)
	}
	defer c.Close()
	base := len(smtp.Messages())
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
		if err := m.From("Pam at Acme Bikes <shop@example.test>"); err != nil {
			return 0, err
		}
		if err := m.AddToFormat(fmt.Sprintf("Seed %s %d", firstNames[i%len(firstNames)], i), fmt.Sprintf("bare%06d@example.org", i)); err != nil {
			return 0, err
		}
		m.Subject("Re: Question about " + products[i%len(products)])
		m.SetMessageIDWithValue(fmt.Sprintf("bare.%d@example.test", i))
		m.SetDate()
		m.SetGenHeader(gomail.HeaderInReplyTo, fmt.Sprintf("<bare.%d@seed.example.org>", i))
		m.SetGenHeader("Auto-Submitted", "auto-generated")
		m.SetBodyString(gomail.TypeTextPlain, fmt.Sprintf("Hi %s,\n\nThanks for getting in touch with Acme Bikes. I've got your message and I'll get back to you properly within a day.\n\nIf anything else comes to mind in the meantime, just reply to this email.\n\nPam\nAcme Bikes\n\nNo more emails like this? Reply \"stop\".\n", firstNames[i%len(firstNames)]))
		if err := c.Send(m); err != nil {
			return 0, fmt.Errorf("go-mail send %d: %w", i, err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	msgs, err := smtp.Wait(wctx, base+n)
	cancel()
	if err != nil {
		return 0, err
	}
	msgs = msgs[base : base+n]
	return spanRate(msgs[0].At, msgs[n-1].At, n), nil
}

// spanRate is n messages over the span from the first to the last: n-1
// intervals.
func spanRate(first, last time.Time, n int) float64 {
	if n < 2 || !last.After(first) {
		return 0
	}
	return float64(n-1) / last.Sub(first).Seconds()
}
