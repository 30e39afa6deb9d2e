package config

import (
	"errors"
	"testing"
)

func TestIndexLinesFindsKeysTablesAndArrayElements(t *testing.T) {
	src := `# [commented] = "out"
title = """
[not.a.table]
fake = 1
"""
lit = '''
x = "y" '''
"quoted key" = 'it''s'
a.b.c = 1          # dotted
[imap]
address = "h:1" # a "comment" [x]
[[sequence]]
name = "one"
steps = [
  { after = "0s", template = "a" },   # [[not]]
  { after = "3d",
    template = "b" },
]
[[sequence]]
name = "two"
[sequence.extra]
k = [1, [2, 3], { n = 4 }]
[[sequence.steps]]
after = "1d"
[[sequence.steps]]
when = [
  "vip",
  "repeat",
]
`
	ix := indexLines(src)
	want := map[string]int{
		"title":                         2,
		"lit":                           6,
		`"quoted key"`:                  8,
		"a":                             9,
		"a.b.c":                         9,
		"imap":                          10,
		"imap.address":                  11,
		"sequence":                      12,
		"sequence[0]":                   12,
		"sequence[0].name":              13,
		"sequence[0].steps":             14,
		"sequence[0].steps[0]":          15,
		"sequence[0].steps[0].after":    15,
		"sequence[0].steps[1]":          16,
		"sequence[0].steps[1].after":    16,
		"sequence[0].steps[1].template": 17,
		"sequence[1]":                   19,
		"sequence[1].name":              20,
		"sequence[1].extra":             21,
		"sequence[1].extra.k[1][1]":     22,
		"sequence[1].extra.k[2].n":      22,
		"sequence[1].steps[0]":          23,
		"sequence[1].steps[0].after":    24,
		"sequence[1].steps[1]":          25,
		"sequence[1].steps[1].when[1]":  28,
		// Keys not written fall back to their table, then to 0.
		"sequence[1].steps[1].template": 25,
		"imap.username":                 10,
		"smtp.address":                  0,
	}
	for key, line := range want {
		if got := ix.find(key); got != line {
			t.Errorf("line of %s = %d; want %d", key, got, line)
		}
	}
	for _, key := range []string{"not.a.table", "fake", "x", "commented", "not"} {
		if _, ok := ix[key]; ok {
			t.Errorf("%s, inside a string or comment, was indexed", key)
		}
	}
}

func TestIndexLinesSurvivesInputItDoesNotUnderstand(t *testing.T) {
	for _, src := range []string{"", "[", "a = [", "a = {", "a = \"", "= =", "[[x]]\n[[x", "a = '''"} {
		indexLines(src) // must not panic or hang
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte("[[sequence]]\nsteps = [\n { after = \"3 days\" },\n]\n"))
	f.Add([]byte("a.\"b.c\" = 1\n[x.'y']\nz = \"\"\"\n\"\"\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.toml", data)
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without an error")
			}
			return
		}
		var e *Error
		if !errors.As(err, &e) || len(e.Problems) == 0 {
			t.Fatalf("error %v is not an *Error with problems", err)
		}
	})
}
