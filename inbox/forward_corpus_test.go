package inbox

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/followupd/followupd/internal/testserver"
)

type corpusCase struct {
	File      string  `json:"file"`
	Client    string  `json:"client"`
	Lang      string  `json:"lang"`
	Forwarded bool    `json:"forwarded"`
	FromEmail *string `json:"from_email"`
	FromName  *string `json:"from_name"`
	Subject   *string `json:"subject"`
}

// TestForwardCorpus checks ExtractForward against the shared corpus: for
// every file, the original sender's address, name and subject must be
// what expected.jsonl says (a non-forward, or a forward without any
// address, must give ok=false), and every .eml of the corpus must be
// listed there, so that no file goes unchecked.
func TestForwardCorpus(t *testing.T) {
	// A shared, externally written corpus of forwards from many mail
	// clients; it is not part of the repository.
	forwardCorpus := testserver.SharedCorpus(t, "forwards")
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
	files, _ := filepath.Glob(filepath.Join(forwardCorpus, "*.eml"))
	listed := map[string]bool{}
	for _, c := range cases {
		listed[c.File] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is not listed in expected.jsonl", filepath.Base(f))
		}
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
			t.Errorf("address %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, got, want)
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
			t.Errorf("name %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, f.From.Name, wantName)
		}
		if c.Subject != nil {
			subjects++
			if f.Subject == *c.Subject {
				subjectOK++
			} else {
				t.Errorf("subject %s (%s, %s): got %q, want %q", c.File, c.Client, c.Lang, f.Subject, *c.Subject)
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
}
