package mailer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

func startSMTP(t *testing.T) (*testserver.SMTP, *Mailer) {
	t.Helper()
	return startSMTPWith(t, Config{Security: "none", Timeout: 5 * time.Second})
}

// startSMTPWith starts a plain test server and a Mailer for it with cfg
// (Address filled in).
func startSMTPWith(t *testing.T, cfg Config) (*testserver.SMTP, *Mailer) {
	t.Helper()
	srv, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, newMailer(t, srv, cfg)
}

func newMailer(t *testing.T, srv *testserver.SMTP, cfg Config) *Mailer {
	t.Helper()
	if cfg.Address == "" {
		cfg.Address = srv.Addr()
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func sample() *Mail {
	return &Mail{
		From:          &mail.Address{Name: "Pam at Acme Bikes", Address: "shop@example.test"},
		To:            &mail.Address{Name: "Ana López", Address: "ana@example.com"},
		Subject:       "Re: ¿Tienen la bicicleta azul?",
		Text:          "Hi Ana,\n\nThanks for writing.\n\nPam\n",
		MessageID:     "fu.1@example.test",
		InReplyTo:     "q1@mail.example.com",
		References:    []string{"q0@mail.example.com"},
		Date:          time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC),
		AutoSubmitted: "auto-generated",
	}
}

func readCaptured(t *testing.T, c testserver.Captured) (*mail.Message, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(string(c.Data)))
	if err != nil {
		t.Fatalf("captured message does not parse: %v\n%s", err, c.Data)
	}
	b, _ := io.ReadAll(m.Body)
	return m, string(b)
}

func TestSendSetsThreadingAndAutomaticHeaders(t *testing.T) {
	srv, m := startSMTP(t)
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	// A second send reuses the connection and must work as well.
	second := sample()
	second.MessageID = "fu.2@example.test"
	if err := m.Send(context.Background(), second); err != nil {
		t.Fatalf("second send on the reused connection: %v", err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("captured %d messages, want 2", len(got))
	}
	msg, _ := readCaptured(t, got[0])
	dec := new(mime.WordDecoder)
	want := map[string]string{
		"Message-Id":     "<fu.1@example.test>",
		"In-Reply-To":    "<q1@mail.example.com>",
		"References":     "<q0@mail.example.com> <q1@mail.example.com>",
		"Auto-Submitted": "auto-generated",
	}
	for k, v := range want {
		if g := msg.Header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	if s, _ := dec.DecodeHeader(msg.Header.Get("Subject")); s != "Re: ¿Tienen la bicicleta azul?" {
		t.Errorf("Subject decodes to %q", s)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Ana López" || to[0].Address != "ana@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	if got[0].To[0] != "ana@example.com" || got[0].From != "shop@example.test" {
		t.Errorf("envelope = %s -> %v", got[0].From, got[0].To)
	}
}

func TestCustomerDataCannotAddHeadersOrRecipients(t *testing.T) {
	hostile := []string{
		"Bob\r\nBcc: x@evil.test",
		"Bob\nBcc: x@evil.test",
		"Bob\rBcc: x@evil.test",
		"=?utf-8?q?Bob=0D=0ABcc=3A_x@evil.test?=",
		"Bob\u2028Bcc: x@evil.test",
		strings.Repeat("A very long name ", 200) + "\r\nBcc: x@evil.test",
		"Bob \xff\xfe\r\nBcc: x@evil.test",
	}
	for _, h := range hostile {
		srv, m := startSMTP(t)
		ml := sample()
		ml.To.Name = h
		ml.Subject = "Re: " + h
		ml.InReplyTo = "q1@x>\r\nBcc: x@evil.test"
		ml.References = []string{"<a@b>\r\nBcc: x@evil.test"}
		if err := m.Send(context.Background(), ml); err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		got := srv.Messages()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ana@example.com" {
			t.Fatalf("%q: envelope recipients %v, want only the customer", h, got)
		}
		msg, _ := readCaptured(t, got[0])
		if v, ok := msg.Header["Bcc"]; ok {
			t.Errorf("%q: a Bcc header was injected: %v", h, v)
		}
		for k := range msg.Header {
			if strings.Contains(strings.ToLower(k), "bcc") {
				t.Errorf("%q: header %q appeared", h, k)
			}
		}
	}
}

func TestSMTPFailuresAreClassified(t *testing.T) {
	// Far more than the socket buffers hold: the client is still writing
	// when FaultDropMidData closes the connection.
	big := strings.Repeat("A long follow-up line that goes on and on to fill the socket buffers.\n", 1<<16)
	tests := []classifyCase{
		{name: "451 at end of data is temporary", fault: testserver.FaultTemp, wantCode: 451, stage: StageDot,
			reply: "451 4.3.0 temporary failure, try again later"},
		{name: "550 5.1.1 at end of data is permanent and about the recipient", fault: testserver.FaultPerm,
			permanent: true, recipient: true, wantCode: 550, stage: StageDot, reply: "550 5.1.1 mailbox unavailable"},
		{name: "550 to RCPT is permanent and about the recipient", rejectRcpt: 550, permanent: true, recipient: true,
			wantCode: 550, stage: StageRcpt, reply: "550 5.0.0 <ana@example.com>: Recipient address rejected: no such user here"},
		{name: "450 to RCPT is temporary and not held against the recipient", rejectRcpt: 450, wantCode: 450, stage: StageRcpt},
		{name: "drop after the dot is in doubt", fault: testserver.FaultDropAfterDot, inDoubt: true, stage: StageDot},
		{name: "drop after the whole message but before the reply is in doubt", fault: testserver.FaultDropBeforeDot, inDoubt: true, stage: StageDot},
		{name: "drop while writing the data is temporary and not in doubt", fault: testserver.FaultDropMidData, text: big, stage: StageData},
		{name: "stall after the dot times out, temporary and in doubt", fault: testserver.FaultStall, inDoubt: true, stage: StageDot},
	}
	for _, tt := range tests {
		for _, pipelining := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/pipelining=%v", tt.name, pipelining), func(t *testing.T) { tt.run(t, pipelining) })
		}
	}
}

// classifyCase is one failure for TestSMTPFailuresAreClassified.
type classifyCase struct {
	name       string
	fault      testserver.Fault
	rejectRcpt int // reply code for RCPT TO, 0: accept
	text       string
	permanent  bool
	recipient  bool
	inDoubt    bool
	wantCode   int
	stage      string
	reply      string // the whole Reply, if set
}

// run sends one mail into the fault, with the server offering PIPELINING
// or not, checks how the failure is classified, then that the next send
// works.
func (tt classifyCase) run(t *testing.T, pipelining bool) {
	srv, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.SetPipelining(pipelining)
	m := newMailer(t, srv, Config{Security: "none", Timeout: time.Second})
	srv.SetFault(func(int, []string) testserver.Fault { return tt.fault })
	if tt.rejectRcpt != 0 {
		srv.RejectRcpt("ana@example.com", tt.rejectRcpt, "<ana@example.com>: Recipient address rejected: no such user here")
	}
	ml := sample()
	if tt.text != "" {
		ml.Text = tt.text
	}
	err = m.Send(context.Background(), ml)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *mailer.Error", err, err)
	}
	if e.Permanent != tt.permanent || e.Recipient != tt.recipient || e.InDoubt() != tt.inDoubt || e.Code != tt.wantCode || e.Stage != tt.stage {
		t.Errorf("got permanent=%v recipient=%v inDoubt=%v code=%d stage=%s (%v); want %v %v %v %d %s",
			e.Permanent, e.Recipient, e.InDoubt(), e.Code, e.Stage, e, tt.permanent, tt.recipient, tt.inDoubt, tt.wantCode, tt.stage)
	}
	if e.Config {
		t.Errorf("a refusal of one message is flagged as a configuration problem: %v", e)
	}
	if tt.reply != "" && e.Reply != tt.reply {
		t.Errorf("Reply = %q, want %q", e.Reply, tt.reply)
	}
	if tt.wantCode == 0 && e.Reply != "" {
		t.Errorf("Reply = %q without a reply", e.Reply)
	}
	if tt.rejectRcpt != 0 && !strings.Contains(err.Error(), "no such user here") {
		t.Errorf("error %q does not keep the server's reply", err)
	}
	// After any failure the next send (to someone else) goes out.
	srv.SetFault(nil)
	next := sample()
	next.To = &mail.Address{Name: "Bo", Address: "bo@example.com"}
	if err := m.Send(context.Background(), next); err != nil {
		t.Errorf("send after the failure: %v", err)
	}
	want := 1 // only the one after the failure...
	if tt.fault == testserver.FaultDropAfterDot {
		want = 2 // ...unless the server kept the first before dropping the line
	}
	if n := len(srv.Messages()); n != want {
		t.Errorf("the server captured %d messages, want %d", n, want)
	}
	if got := srv.PipelinedEnvelopes(); pipelining != (got > 0) {
		t.Errorf("pipelined envelopes = %d with PIPELINING offered = %v", got, pipelining)
	}
}

func TestSendsReuseOneConnectionAndPipelineTheEnvelope(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			srv, m := startSMTP(t)
			srv.SetPipelining(pipelining)
			for i := range 3 {
				ml := sample()
				ml.MessageID = fmt.Sprintf("fu.%d@example.test", i)
				if err := m.Send(context.Background(), ml); err != nil {
					t.Fatalf("send %d: %v", i, err)
				}
			}
			if n := srv.Connections(); n != 1 {
				t.Errorf("three sends used %d connections, want 1", n)
			}
			if n := len(srv.Messages()); n != 3 {
				t.Errorf("captured %d messages, want 3", n)
			}
			// Offered PIPELINING, MAIL, RCPT and DATA go in one round trip;
			// not offered, each waits for its reply.
			want := 0
			if pipelining {
				want = 3
			}
			if n := srv.PipelinedEnvelopes(); n != want {
				t.Errorf("pipelined envelopes = %d, want %d", n, want)
			}
		})
	}
}

func TestConcurrentSendsUseUpToConnections(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: 5 * time.Second, Connections: 3})
	var mu sync.Mutex
	inside, most := 0, 0
	three := make(chan struct{})
	release := make(chan struct{})
	srv.SetFault(func(int, []string) testserver.Fault {
		mu.Lock()
		inside++
		most = max(most, inside)
		if inside == 3 {
			close(three)
		}
		mu.Unlock()
		<-release
		mu.Lock()
		inside--
		mu.Unlock()
		return testserver.FaultNone
	})
	errs := make(chan error, 5)
	for i := range 5 {
		go func() {
			ml := sample()
			ml.MessageID = fmt.Sprintf("fu.%d@example.test", i)
			errs <- m.Send(context.Background(), ml)
		}()
	}
	select {
	case <-three: // three sends are in DATA at once
	case <-time.After(10 * time.Second):
		t.Fatal("three concurrent sends never reached DATA together")
	}
	close(release)
	for range 5 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if most != 3 {
		t.Errorf("at most %d sends were in DATA at once, want 3 (Connections)", most)
	}
	if n := srv.Connections(); n != 3 {
		t.Errorf("five sends used %d connections, want 3", n)
	}
	if n := len(srv.Messages()); n != 5 {
		t.Errorf("captured %d messages, want 5", n)
	}
}

func TestReusedConnectionDroppedByServerIsReplacedSilently(t *testing.T) {
	for _, pipelining := range []bool{true, false} {
		t.Run(fmt.Sprintf("pipelining=%v", pipelining), func(t *testing.T) {
			srv, m := startSMTP(t)
			srv.SetPipelining(pipelining)
			if err := m.Send(context.Background(), sample()); err != nil {
				t.Fatal(err)
			}
			// The server closes the idle connection, as its idle timeout
			// does. It was used moments ago, so the next send finds out
			// only at the envelope, and must try a new connection itself.
			srv.Stop()
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			if err := m.Send(context.Background(), sample()); err != nil {
				t.Fatalf("send after the server closed the idle connection: %v", err)
			}
			if n := srv.Connections(); n != 2 {
				t.Errorf("connections = %d, want 2", n)
			}
			if n := len(srv.Messages()); n != 2 {
				t.Errorf("captured %d messages, want 2", n)
			}
		})
	}
}

func TestCancelledContextAbortsAStalledSend(t *testing.T) {
	srv, m := startSMTPWith(t, Config{Security: "none", Timeout: time.Minute})
	reached := make(chan struct{})
	srv.SetFault(func(int, []string) testserver.Fault { close(reached); return testserver.FaultStall })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-reached; cancel() }()
	// The timeout is a minute: only the cancellation can end this send.
	err := m.Send(ctx, sample())
	var e *Error
	if !errors.As(err, &e) || e.Permanent || e.Config {
		t.Fatalf("cancelled send: %v, want a temporary *Error", err)
	}
	// Whether the dot was out when ctx ended decides InDoubt; either way
	// the next send works on a fresh connection.
	srv.SetFault(nil)
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatalf("send after a cancelled one: %v", err)
	}
}

func TestServerDownIsTemporary(t *testing.T) {
	srv, m := startSMTP(t)
	srv.Stop()
	err := m.Send(context.Background(), sample())
	var e *Error
	if !errors.As(err, &e) || e.Permanent || e.InDoubt() {
		t.Fatalf("send to a stopped server: %v, want a temporary error", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatalf("send after the server came back: %v", err)
	}
}
