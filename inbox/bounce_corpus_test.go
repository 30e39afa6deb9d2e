package inbox

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/followupd/followupd/internal/testserver"
)

// TestBounceCorpus checks ParseBounce against real delivery status
// notifications from the shared corpus, when it is present.
func TestBounceCorpus(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testserver.SharedCorpus(t, "bounces"), "*.eml"))
	if len(files) == 0 {
		testserver.Unavailable(t, "the shared bounce corpus is empty")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseBytes(raw)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		b, ok := ParseBounce(m)
		if !ok || len(b.Recipients) == 0 {
			t.Errorf("%s: ParseBounce = %+v, %v; want a bounce with a recipient", filepath.Base(file), b, ok)
			continue
		}
		// Every recipient must be one the report names as a recipient.
		for _, r := range b.Recipients {
			if !recipientFieldRe.MatchString(strings.ToLower(string(raw))) ||
				!strings.Contains(strings.ToLower(string(raw)), "recipient: rfc822;"+r.Email) &&
					!strings.Contains(strings.ToLower(string(raw)), "recipient: rfc822; "+r.Email) {
				t.Errorf("%s: recipient %q is not a Final-/Original-Recipient", filepath.Base(file), r.Email)
			}
		}
	}
}

var recipientFieldRe = regexp.MustCompile(`(?m)^(?:final|original)-recipient:`)

// TestBounceCorpusMalformedNotBounces checks that ordinary (if broken)
// mail from the shared corpus is not taken for a bounce; only mail from a
// mailer daemon may be.
func TestBounceCorpusMalformedNotBounces(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(testserver.SharedCorpus(t, "malformed"), "*.eml"))
	if len(files) == 0 {
		testserver.Unavailable(t, "the shared malformed-mail corpus is empty")
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseBytes(raw)
		if err != nil {
			continue
		}
		if b, ok := ParseBounce(m); ok && !strings.EqualFold(m.From.Email, "mailer-daemon@example.com") {
			t.Errorf("%s: ParseBounce = %+v, want no bounce", filepath.Base(file), b)
		}
	}
}
