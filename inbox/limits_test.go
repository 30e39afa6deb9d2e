package inbox

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestParseTruncatesAtLimit(t *testing.T) {
	const size = 40 << 20
	head := "From: big@example.com\r\nSubject: big\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n" +
		"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	line := strings.Repeat("QUFB", 19) + "\r\n"
	var buf bytes.Buffer
	buf.Grow(size + len(line))
	buf.WriteString(head)
	for buf.Len() < size {
		buf.WriteString(line)
	}
	buf.WriteString("--b--\r\n")

	const limit = 10 << 20
	m, err := Parse(&buf, limit)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || m.Size != limit || !hasProblem(m, "truncated") {
		t.Errorf("Truncated = %v, Size = %d, Problems = %q", m.Truncated, m.Size, m.Problems)
	}
	if m.Text != "see attachment" {
		t.Errorf("Text = %q", m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Size < limit/2 {
		t.Errorf("Attachments = %+v", m.Attachments)
	}
}

func TestParseDefaultLimit(t *testing.T) {
	raw := "From: a@example.com\r\n\r\n" + strings.Repeat("x", DefaultMaxSize)
	m, err := Parse(strings.NewReader(raw), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Truncated || m.Size != DefaultMaxSize {
		t.Errorf("Truncated = %v, Size = %d", m.Truncated, m.Size)
	}
}

func TestParseCapsNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: deep@example.com\r\n")
	for i := 0; i < 100; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) + "\r\n\r\n--b" + strings.Repeat("x", i) + "\r\n")
	}
	b.WriteString("Content-Type: text/plain\r\n\r\ndeep\r\n")
	m, err := ParseBytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !hasProblem(m, "nesting deeper") {
		t.Errorf("Problems = %q", m.Problems)
	}
}

func TestParseCapsPartCount(t *testing.T) {
	var b strings.Builder
	b.WriteString("From: many@example.com\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n")
	for i := 0; i < 2*maxParts; i++ {
		b.WriteString("--b\r\nContent-Type: image/gif\r\n\r\nGIF\r\n")
	}
	b.WriteString("--b--\r\n")
	m, err := ParseBytes([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) >= maxParts || !hasProblem(m, "MIME parts") {
		t.Errorf("%d attachments, Problems = %q", len(m.Attachments), m.Problems)
	}
}

// TestParseLargePathologicalInputs guards against quadratic paths: each
// input is a few MB of a shape that once made a loop rescan the message.
// The work is counted, not timed: parsing an input four times as large
// must allocate at most about four times as much (eight, for slack); a
// path that rescans grows sixteenfold.
func TestParseLargePathologicalInputs(t *testing.T) {
	inputs := map[string]func(n int) string{
		"unique boundary-like lines": func(n int) string {
			var lines strings.Builder
			for i := range n {
				lines.WriteString("--b" + strings.Repeat("x", i%50) + "y" + string(rune('a'+i%26)) + "\r\n")
			}
			return "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n" + lines.String()
		},
		"tiny parts": func(n int) string {
			return "From: a@b.c\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n", n)
		},
		"commas in To": func(n int) string { return "From: a@b.c\r\nTo: " + strings.Repeat("x,", n) + "\r\n\r\n" },
		"nested parens in From": func(n int) string {
			return "From: " + strings.Repeat("(", n) + "a@b.c" + strings.Repeat(")", n) + "\r\n\r\n"
		},
		"encoded words": func(n int) string {
			return "From: a@b.c\r\nSubject: " + strings.Repeat("=?utf-8?q?a?= ", n) + "\r\n\r\n"
		},
		"angle brackets": func(n int) string { return "From: a@b.c\r\nReferences: " + strings.Repeat("<", n) + "\r\n\r\n" },
		"references": func(n int) string {
			return "From: a@b.c\r\nReferences: " + strings.Repeat("<r@x.example> ", n) + "\r\n\r\n"
		},
		"qp escapes": func(n int) string {
			return "From: a@b.c\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("=\r\n=4", n)
		},
		"many headers": func(n int) string { return strings.Repeat("From: a@b.c\r\n", n) + "\r\n" },
		"unclosed html": func(n int) string {
			return "From: a@b.c\r\nContent-Type: text/html\r\n\r\n" + strings.Repeat("<a href=\"x\"><p>&amp", n)
		},
	}
	const n = 50000
	for name, gen := range inputs {
		t.Run(name, func(t *testing.T) {
			small, large := []byte(gen(n)), []byte(gen(4*n))
			work := func(raw []byte) uint64 {
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				m, err := ParseBytes(raw)
				runtime.ReadMemStats(&after)
				if err != nil {
					t.Fatal(err)
				}
				checkValidUTF8(t, m)
				return after.TotalAlloc - before.TotalAlloc
			}
			w1, w4 := work(small), work(large)
			if w4 > 8*w1+1<<20 {
				t.Errorf("4x the input took %.1fx the work (%d bytes allocated, then %d)", float64(w4)/float64(w1), w1, w4)
			}
		})
	}
}

func BenchmarkParseMixed(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "mixed_attachment.eml"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := ParseBytes(raw); err != nil {
			b.Fatal(err)
		}
	}
}
