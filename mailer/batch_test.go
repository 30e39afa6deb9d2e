package mailer

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

// batchOf returns n sample mails to n recipients, r0@example.com...
func batchOf(n int) []*Mail {
	var ms []*Mail
	for i := range n {
		ml := sample()
		ml.To = &mail.Address{Name: fmt.Sprintf("R %d", i), Address: fmt.Sprintf("r%d@example.com", i)}
		ml.MessageID = fmt.Sprintf("fu.%d@example.test", i)
		// A line starting with a dot must arrive as it was written.
		ml.Text = fmt.Sprintf("Hi %d,\n.leading dot\n..two\n.\nend\n", i)
		ms = append(ms, ml)
	}
	return ms
}

// outcomes collects what SendBatch reports.
type outcomes struct {
	errs  []error
	order []int
	stop  func(i int) bool // stop after mail i
}

func (o *outcomes) done(i int, err error) bool {
	o.order = append(o.order, i)
	o.errs = append(o.errs, err)
	return o.stop == nil || !o.stop(i)
}

func recipients(t *testing.T, srv *testserver.SMTP) []string {
	t.Helper()
	var rs []string
	for _, c := range srv.Messages() {
		rs = append(rs, strings.Join(c.To, ","))
	}
	return rs
}

func TestBatchPipelinesEachEnvelopeBehindTheDotBefore(t *testing.T) {
	srv, m := startSMTP(t)
	var dots []int
	ms := batchOf(5)
	for i, ml := range ms {
		ml.BeforeDot = func() error { dots = append(dots, i); return nil }
	}
	var o outcomes
	if n := m.SendBatch(context.Background(), ms, o.done); n != 5 {
		t.Fatalf("SendBatch reported %d outcomes, want 5", n)
	}
	for i, err := range o.errs {
		if err != nil || o.order[i] != i {
			t.Errorf("outcome %d: mail %d, %v", i, o.order[i], err)
		}
	}
	if fmt.Sprint(dots) != "[0 1 2 3 4]" {
		t.Errorf("BeforeDot ran for %v, want each mail in order", dots)
	}
	if got := recipients(t, srv); fmt.Sprint(got) != "[r0@example.com r1@example.com r2@example.com r3@example.com r4@example.com]" {
		t.Errorf("captured %v", got)
	}
	// Each message is byte for byte what Build gives (dots unstuffed).
	for i, c := range srv.Messages() {
		want, _ := m.Build(ms[i])
		if string(c.Data) != string(want) {
			t.Errorf("message %d differs from Build:\n%q\n%q", i, c.Data, want)
		}
	}
	if n := srv.PipelinedAfterDot(); n != 4 {
		t.Errorf("%d envelopes went with the dot before them, want 4", n)
	}
	if n := srv.Connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestBatchReportsEachFailureAndGoesOn(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: 2 * time.Second})
	srv.RejectRcpt("r1@example.com", 550, "no such user")
	ms := batchOf(5)
	ms[2].To = &mail.Address{Address: "not an address"} // cannot be built
	srv.SetFault(func(_ int, rcpt []string) testserver.Fault {
		if len(rcpt) == 1 && rcpt[0] == "r3@example.com" {
			return testserver.FaultTemp
		}
		return testserver.FaultNone
	})
	var o outcomes
	if n := m.SendBatch(context.Background(), ms, o.done); n != 5 {
		t.Fatalf("SendBatch reported %d outcomes, want 5", n)
	}
	check := func(i int, stage string, code int, permanent, recipient bool) {
		t.Helper()
		var e *Error
		if !errors.As(o.errs[i], &e) || e.Stage != stage || e.Code != code || e.Permanent != permanent || e.Recipient != recipient || e.InDoubt() {
			t.Errorf("mail %d: %v, want stage %s code %d permanent %v recipient %v", i, o.errs[i], stage, code, permanent, recipient)
		}
	}
	if o.errs[0] != nil || o.errs[4] != nil {
		t.Errorf("mails 0 and 4: %v, %v; want sent", o.errs[0], o.errs[4])
	}
	check(1, StageRcpt, 550, true, true)
	check(2, StageBuild, 0, true, false)
	check(3, StageDot, 451, false, false)
	if got := recipients(t, srv); fmt.Sprint(got) != "[r0@example.com r4@example.com]" {
		t.Errorf("captured %v, want r0 and r4 only", got)
	}
}

func TestBatchStopsWhenTold(t *testing.T) {
	srv, m := startSMTP(t)
	o := outcomes{stop: func(i int) bool { return i == 1 }}
	if n := m.SendBatch(context.Background(), batchOf(4), o.done); n != 2 {
		t.Fatalf("SendBatch reported %d outcomes, want 2 (stopped after the second)", n)
	}
	// The third envelope was already on its way; it must not turn into a
	// message, and the mailer must still work.
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatalf("send after a stopped batch: %v", err)
	}
	if got := recipients(t, srv); fmt.Sprint(got) != "[r0@example.com r1@example.com ana@example.com]" {
		t.Errorf("captured %v", got)
	}
}

func TestBatchConnectionLostAfterADotIsInDoubtAndEndsTheBatch(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: 2 * time.Second})
	srv.SetFault(func(n int, _ []string) testserver.Fault {
		if n == 2 {
			return testserver.FaultDropAfterDot
		}
		return testserver.FaultNone
	})
	var o outcomes
	n := m.SendBatch(context.Background(), batchOf(4), o.done)
	if n != 2 {
		t.Fatalf("SendBatch reported %d outcomes, want 2: the rest never reached DATA", n)
	}
	var e *Error
	if o.errs[0] != nil || !errors.As(o.errs[1], &e) || !e.InDoubt() {
		t.Errorf("outcomes %v; want the first sent and the second in doubt", o.errs)
	}
	// The caller sends the rest again, on a new connection.
	srv.SetFault(nil)
	var o2 outcomes
	if n := m.SendBatch(context.Background(), batchOf(4)[2:], o2.done); n != 2 || o2.errs[0] != nil || o2.errs[1] != nil {
		t.Errorf("the rest: %d outcomes, %v", n, o2.errs)
	}
	if got := recipients(t, srv); fmt.Sprint(got) != "[r0@example.com r1@example.com r2@example.com r3@example.com]" {
		t.Errorf("captured %v", got)
	}
}

func TestBatchBeforeDotFailureAbandonsThatMail(t *testing.T) {
	srv, m := startSMTP(t)
	ms := batchOf(3)
	ms[1].BeforeDot = func() error { return errors.New("store is gone") }
	var o outcomes
	if n := m.SendBatch(context.Background(), ms, o.done); n != 2 {
		t.Fatalf("SendBatch reported %d outcomes, want 2", n)
	}
	var e *Error
	if !errors.As(o.errs[1], &e) || e.Stage != StageData || e.InDoubt() {
		t.Errorf("mail 1: %v, want a StageData error, not in doubt", o.errs[1])
	}
	if got := recipients(t, srv); fmt.Sprint(got) != "[r0@example.com]" {
		t.Errorf("captured %v, want only r0", got)
	}
}

func TestBatchWithoutPipeliningOrWithARateGoesOneByOne(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		pipe bool
	}{
		{"no PIPELINING", Config{Security: "none", Timeout: 2 * time.Second}, false},
		{"rate", Config{Security: "none", Timeout: 2 * time.Second, Rate: "1000/s"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, err := testserver.StartSMTP()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			srv.SetPipelining(tc.pipe)
			m := newMailer(t, srv, tc.cfg)
			var o outcomes
			if n := m.SendBatch(context.Background(), batchOf(3), o.done); n != 3 || o.errs[0] != nil || o.errs[2] != nil {
				t.Fatalf("%d outcomes: %v", n, o.errs)
			}
			if n := srv.PipelinedAfterDot(); n != 0 {
				t.Errorf("%d envelopes pipelined behind a dot", n)
			}
			if got := len(srv.Messages()); got != 3 {
				t.Errorf("captured %d, want 3", got)
			}
		})
	}
}

func TestBatchOnAConnectionTheServerDroppedStartsAfresh(t *testing.T) {
	srv, m := startSMTP(t)
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	var o outcomes
	if n := m.SendBatch(context.Background(), batchOf(2), o.done); n != 2 || o.errs[0] != nil || o.errs[1] != nil {
		t.Fatalf("%d outcomes: %v", n, o.errs)
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("captured %d, want 3", n)
	}
}

func TestBatchStartingWithAMailThatCannotBeBuilt(t *testing.T) {
	srv, m := startSMTP(t)
	ms := batchOf(2)
	ms[0].From = &mail.Address{Address: "shop@example.test>\r\nBcc: x@evil.test"}
	var o outcomes
	if n := m.SendBatch(context.Background(), ms, o.done); n != 2 {
		t.Fatalf("%d outcomes, want 2", n)
	}
	var e *Error
	if !errors.As(o.errs[0], &e) || e.Stage != StageBuild || o.errs[1] != nil {
		t.Errorf("outcomes %v; want a build error, then sent", o.errs)
	}
	if got := recipients(t, srv); fmt.Sprint(got) != "[r1@example.com]" {
		t.Errorf("captured %v", got)
	}
}
