package templates

import (
	"strings"
	"testing"
)

func FuzzParseSource(f *testing.F) {
	for _, seed := range []string{
		"Subject: hi\n\nHello\n",
		"---\nsubject: hi\nhtml: markdown\ndescription: \"x\"\n---\n\nHello\n--- variant ---\nSubject: yo\n\nHey\n",
		"---\n---\n",
		"Subject:\n",
		"Subject: a\n--- variant ---\n--- variant ---\n",
		"\r\n---\r\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		s, err := parseSource("f.txt", src)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.txt:") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		n := strings.Count(strings.ReplaceAll(src, "\r\n", "\n"), "\n") + 1
		if len(s.variants) == 0 {
			t.Fatal("no variants and no error")
		}
		for _, v := range s.variants {
			if v.body.line < 1 || v.body.line > n || v.subject.line < 1 || v.subject.line > n {
				t.Errorf("line out of range: %+v (file has %d lines)", v, n)
			}
			if strings.TrimSpace(v.body.text) == "" || strings.TrimSpace(v.subject.text) == "" {
				t.Errorf("empty variant accepted: %+v", v)
			}
		}
	})
}
