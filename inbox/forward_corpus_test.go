package inbox

import (
	"bufio"
	"encoding/json"
	"github.com/followupd/followupd/internal/testserver"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// forwardCorpus is a shared, externally written corpus of forwards from
// many mail clients; it is not part of the repository.
const forwardCorpus = "../../shared/corpus/forwards"

type corpusCase struct {
	File      string  `json:"file"`
	Client    string  `json:"client"`
	Lang      string  `json:"lang"`
	Forwarded bool    `json:"forwarded"`
	FromEmail *string `json:"from_email"`
	FromName  *string `json:"from_name"`
	Subject   *string `json:"subject"`
}

// TestForwardCorpus measures ExtractForward against the shared corpus:
// the original sender's address must match for at least 98% of the files
// (a non-forward, or a forward without any address, must give ok=false).
// Name and subject accuracy are reported.
func TestForwardCorpus(t *testing.T) {
	fh, err := os.Open(filepath.Join(forwardCorpus, "expected.jsonl"))
	if err != nil {
		testserver.Unavailable(t, "no forward corpus: "+err.Error())
	}
	defer fh.Close()
	var cases []corpusCase
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c corpusCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("expected.jsonl: %v", err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		testserver.Unavailable(t, "empty forward corpus")
	}

	var addrOK, names, nameOK, subjects, subjectOK int
	for _, c := range cases {
		raw, err := os.ReadFile(filepath.Join(forwardCorpus, c.File))
		if err != nil {
			t.Errorf("%s: %v", c.File, err)
			continue
		}
		m, err := ParseBytes(raw)
		if err != nil {
			t.Errorf("%s: parse: %v", c.File, err)
			continue
		}
		f, ok := ExtractForward(m)
		want := ""
		if c.Forwarded && c.FromEmail != nil {
			want = *c.FromEmail
		}
		got := ""
		if ok {
			got = f.From.Email
		}
		if strings.EqualFold(got, want) {
			addrOK++
		} else {
			t.Logf("miss address %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, got, want)
		}
		if want == "" || !ok {
			continue
		}
		names++
		wantName := ""
		if c.FromName != nil {
			wantName = *c.FromName
		}
		if f.From.Name == wantName {
			nameOK++
		} else {
			t.Logf("miss name %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, f.From.Name, wantName)
		}
		if c.Subject != nil {
			subjects++
			if f.Subject == *c.Subject {
				subjectOK++
			} else {
				t.Logf("miss subject %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, f.Subject, *c.Subject)
			}
		}
	}
	pct := func(a, b int) float64 {
		if b == 0 {
			return 100
		}
		return 100 * float64(a) / float64(b)
	}
	t.Logf("forward corpus: address %d/%d (%.1f%%), name %d/%d (%.1f%%), subject %d/%d (%.1f%%)",
		addrOK, len(cases), pct(addrOK, len(cases)), nameOK, names, pct(nameOK, names), subjectOK, subjects, pct(subjectOK, subjects))
	if pct(addrOK, len(cases)) < 98 {
		t.Errorf("address accuracy %.1f%% is below 98%%", pct(addrOK, len(cases)))
	}
}
