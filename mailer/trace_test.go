package mailer

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/internal/testserver"
)

func TestProtocolTraceNeverShowsTheSecret(t *testing.T) {
	srv, err := testserver.StartSMTP()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	srv.RequireAuth("shop@example.test", "s3cret-pw")
	var buf bytes.Buffer
	m, err := New(Config{Address: srv.Addr(), Security: "none", Timeout: 5 * time.Second,
		Username: "shop@example.test", Password: "s3cret-pw", Auth: "plain",
		Trace: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.Send(context.Background(), sample()); err != nil {
		t.Fatal(err)
	}
	trace := buf.String()
	if !strings.Contains(trace, "MAIL FROM") {
		t.Fatalf("no protocol trace:\n%s", trace)
	}
	plain := base64.StdEncoding.EncodeToString([]byte("\x00shop@example.test\x00s3cret-pw"))
	for _, secret := range []string{"s3cret-pw", plain} {
		if strings.Contains(trace, secret) {
			t.Errorf("the trace shows %q:\n%s", secret, trace)
		}
	}
}
