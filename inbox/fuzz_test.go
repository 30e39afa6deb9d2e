package inbox

import (
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/followupd/followupd/internal/testserver"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("From: a@b\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--x--"))
	f.Add([]byte("Subject: =?utf-8?b?4pyT?= =?utf-8?q?=E2=9C?=\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m, err := ParseBytes(raw)
		if err != nil {
			if m != nil {
				t.Fatal("non-nil message with error")
			}
			return
		}
		for _, s := range []string{m.Subject, m.Text, m.HTML, m.From.Name, m.From.Email} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8: %q", s)
			}
		}
		checkValidUTF8(t, m)
	})
}

// TestParseSharedCorpus runs the parser over real-world malformed mail
// and bounces when the shared corpus is present.
func TestParseSharedCorpus(t *testing.T) {
	var files []string
	for _, dir := range []string{"malformed", "bounces", "forwards"} {
		fs, _ := filepath.Glob(filepath.Join(testserver.SharedCorpus(t, dir), "*.eml"))
		files = append(files, fs...)
	}
	if len(files) == 0 {
		testserver.Unavailable(t, "the shared corpus is empty")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseBytes(raw)
		if err != nil {
			// A document that is not mail at all has no header.
			if filepath.Base(file) != "testdata_mail__erroneous.eml" {
				t.Errorf("%s: %v", file, err)
			}
			continue
		}
		checkValidUTF8(t, m)
	}
}
