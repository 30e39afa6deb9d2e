package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/store"
	"github.com/followupd/followupd/internal/testserver"
)

// idleFloor measures the server's own notice delay: a bare client in IDLE
// on mailbox, and for each sample the time from starting an APPEND (on a
// second connection) to the EXISTS the idling client receives.
func idleFloor(ctx context.Context, addr, mailbox string, samples int) ([]time.Duration, error) {
	if _, _, err := createMailbox(addr, mailbox); err != nil {
		return nil, err
	}
	exists := make(chan uint32, 16)
	idler, err := dialIMAP(addr, func(n uint32) {
		select {
		case exists <- n:
		default:
		}
	})
	if err != nil {
		return nil, err
	}
	defer idler.Close()
	sel, err := idler.Select(mailbox, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", mailbox, err)
	}
	have := sel.NumMessages
	idle, err := idler.Idle()
	if err != nil {
		return nil, fmt.Errorf("idle: %w", err)
	}
	defer func() {
		withTimeout(idler, 5*time.Second, func() error {
			if err := idle.Close(); err != nil {
				return err
			}
			return idle.Wait()
		})
	}()
	appender, err := dialIMAP(addr, nil)
	if err != nil {
		return nil, err
	}
	defer appender.Close()
	var out []time.Duration
	for i := 0; i < samples; i++ {
		raw, _ := inquiry("floor", i)
		start := time.Now()
		if err := appendOne(appender, mailbox, raw); err != nil {
			return nil, err
		}
		have++
		timeout := time.After(30 * time.Second)
	wait:
		for {
			select {
			case n := <-exists:
				if n >= have {
					out = append(out, time.Since(start))
					break wait
				}
			case <-timeout:
				return nil, fmt.Errorf("idle floor: no EXISTS %d within 30s", have)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		pause(ctx, 50*time.Millisecond)
	}
	return out, nil
}

// arrivalToSent measures, for each of samples inquiries appended one at a
// time to dc.mailbox while followupd idles on it, the time from starting
// the APPEND to the thank-you captured at the SMTP server. A first
// inquiry, not counted, warms up the connections.
func arrivalToSent(ctx context.Context, bin string, dc daemonConf, smtp *testserver.SMTP, samples int) ([]time.Duration, int64, error) {
	validity, last, err := createMailbox(dc.imapAddr, dc.mailbox)
	if err != nil {
		return nil, 0, err
	}
	if err := dc.write(); err != nil {
		return nil, 0, err
	}
	st, err := store.Open(ctx, dc.dbPath())
	if err != nil {
		return nil, 0, err
	}
	defer st.Close()
	if err := setCheckpoint(ctx, st, dc.mailbox, validity, last); err != nil {
		return nil, 0, err
	}
	p, err := startDaemon(bin, dc)
	if err != nil {
		return nil, 0, err
	}
	defer p.stop()
	appender, err := dialIMAP(dc.imapAddr, nil)
	if err != nil {
		return nil, 0, err
	}
	defer appender.Close()

	var out []time.Duration
	for i := 0; i <= samples; i++ {
		raw, addr := inquiry("lat", i)
		want := len(smtp.Messages()) + 1
		start := time.Now()
		if err := appendOne(appender, dc.mailbox, raw); err != nil {
			return nil, 0, err
		}
		limit := 30 * time.Second
		if i == 0 {
			limit = 60 * time.Second // the daemon is still starting
		}
		wctx, cancel := context.WithTimeout(ctx, limit)
		msgs, err := smtp.Wait(wctx, want)
		cancel()
		if err != nil {
			if perr := p.exited(); perr != nil {
				return nil, 0, perr
			}
			return nil, 0, fmt.Errorf("thank-you for inquiry %d: %w; log:\n%s", i, err, tail(p.log, 10))
		}
		got := msgs[want-1]
		if len(got.To) != 1 || !strings.EqualFold(got.To[0], addr) {
			return nil, 0, fmt.Errorf("inquiry %d: expected a thank-you to %s, the SMTP server got one to %v", i, addr, got.To)
		}
		if i > 0 {
			out = append(out, got.At.Sub(start))
		}
		pause(ctx, 50*time.Millisecond)
	}
	rss, err := p.peakRSS()
	if err != nil {
		return nil, 0, err
	}
	return out, rss, p.stop()
}

func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// quantile returns the q-quantile (0..1) of ds, nearest rank.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s))+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}
