package rules

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/followupd/followupd/inbox"
	"github.com/followupd/followupd/internal/config"
	"github.com/followupd/followupd/internal/core"
)

// The labeled corpus (testdata/corpus, see its README): realistic first
// contacts in eleven languages, each labeled with its category and
// language. "tune" is what the cues were tuned on; "heldout" was written
// at the same time, before any tuning, and is read only here.

// labeled is one message of the corpus and its labels.
type labeled struct {
	file     string
	category core.Category
	lang     core.Lang
}

func loadCorpus(t *testing.T, split string) []labeled {
	t.Helper()
	root := filepath.Join("testdata", "corpus", split)
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("the corpus is missing: %v", err)
	}
	var out []labeled
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		f, err := os.Open(filepath.Join(root, d.Name(), "labels.tsv"))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			p := strings.Split(sc.Text(), "\t")
			if len(p) < 3 {
				continue
			}
			out = append(out, labeled{file: filepath.Join(root, d.Name(), p[0]), category: core.Category(p[1]), lang: core.Lang(p[2])})
		}
		f.Close()
	}
	if len(out) == 0 {
		t.Fatalf("no labeled messages under %s", root)
	}
	return out
}

// corpusPolicy is the built-in reading with the corpus's shop: the owner
// forwards from owner@shop.example, the shop reads shop@shop.example.
func corpusPolicy(t *testing.T) *Policy {
	cfg := config.Default()
	cfg.Business.OwnerEmail = "owner@shop.example"
	cfg.IMAP.Username = "shop@shop.example"
	cfg.SMTP.From = "Shop <shop@shop.example>"
	p, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// reading is what the classifier made of one corpus message.
type reading struct {
	labeled
	got     core.Category
	unsure  bool
	gotLang core.Lang
}

// acceptable says whether a reading is right by the labeling rule: an
// order read as an inquiry is acceptable. An unsure reading counts as the
// inquiry it is answered as: right only for an inquiry or an order.
func (r reading) acceptable() bool {
	return r.got == r.category || r.category == core.Purchase && r.got == core.Inquiry
}

// decideFile decides one corpus message as a first contact; ok is false,
// and the test marked failed, when it does not parse.
func decideFile(t *testing.T, p *Policy, file string) (m *inbox.Message, d Decision, ok bool) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err = inbox.ParseBytes(raw)
	if err != nil {
		t.Errorf("%s: %v", file, err)
		return nil, d, false
	}
	// The corpus is about reading: the owner's forwards in it are taken
	// as verified, as the owner's approval would make them.
	d, err = p.Decide(m, Facts{At: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC), Approved: "the corpus"}, nobody{})
	if err != nil {
		t.Fatal(err)
	}
	return m, d, true
}

func readCorpus(t *testing.T, p *Policy, msgs []labeled) []reading {
	var out []reading
	for _, m := range msgs {
		_, d, ok := decideFile(t, p, m.file)
		if !ok {
			continue
		}
		if d.Kind != core.KindCustomer && d.Kind != core.KindForward {
			t.Errorf("%s: read as %s (%s), not a customer's message", m.file, d.Kind, d.Skip)
		}
		out = append(out, reading{labeled: m, got: d.Category, unsure: d.Unsure, gotLang: d.Language})
	}
	return out
}

// nobody is a store that knows no one: every message is a first contact.
type nobody struct{}

func (nobody) Customer(string) (core.Customer, bool, error) { return core.Customer{}, false, nil }
func (nobody) OpenCase(int64) (*core.Case, error)           { return nil, nil }
func (nobody) Latest(int64) (*core.Contact, error)          { return nil, nil }
func (nobody) Forgotten(string) (bool, error)               { return false, nil }

// corpusScore is what the thresholds are measured on.
type corpusScore struct {
	n, right                    int
	complaints, complaintsFound int
	complaintsAsPurchaseOrFb    int
	others, apologies           int
	langRight                   int
}

func score(rs []reading) corpusScore {
	var s corpusScore
	for _, r := range rs {
		s.n++
		if r.acceptable() {
			s.right++
		}
		if r.gotLang == r.lang {
			s.langRight++
		}
		if r.category == core.Complaint {
			s.complaints++
			if r.got == core.Complaint {
				s.complaintsFound++
			}
			if r.got == core.Purchase || r.got == core.Feedback {
				s.complaintsAsPurchaseOrFb++
			}
		} else {
			s.others++
			if r.got == core.Complaint {
				s.apologies++
			}
		}
	}
	return s
}

func pct(a, b int) float64 {
	if b == 0 {
		return 100
	}
	return 100 * float64(a) / float64(b)
}

// report prints precision and recall per category and accuracy per
// language.
func report(t *testing.T, name string, rs []reading, details bool) corpusScore {
	s := score(rs)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d messages, accuracy %.1f%%, complaint recall %.1f%%, complaints read as purchase or feedback %d, apologies to non-complaints %.1f%% (%d), language %.1f%%\n",
		name, s.n, pct(s.right, s.n), pct(s.complaintsFound, s.complaints), s.complaintsAsPurchaseOrFb,
		pct(s.apologies, s.others), s.apologies, pct(s.langRight, s.n))
	fmt.Fprintf(&b, "  %-10s %9s %9s %6s\n", "category", "precision", "recall", "n")
	for _, c := range []core.Category{core.Complaint, core.Inquiry, core.Purchase, core.Feedback} {
		tp, fp, fn := 0, 0, 0
		for _, r := range rs {
			switch {
			case r.got == c && r.category == c:
				tp++
			case r.got == c:
				fp++
			case r.category == c:
				fn++
			}
		}
		fmt.Fprintf(&b, "  %-10s %8.1f%% %8.1f%% %6d\n", c, pct(tp, tp+fp), pct(tp, tp+fn), tp+fn)
	}
	byLang := map[core.Lang][]reading{}
	for _, r := range rs {
		byLang[r.lang] = append(byLang[r.lang], r)
	}
	var langs []string
	for l := range byLang {
		langs = append(langs, string(l))
	}
	sort.Strings(langs)
	fmt.Fprintf(&b, "  %-10s %9s %9s %9s %6s\n", "language", "accuracy", "complaint", "detected", "n")
	for _, l := range langs {
		ls := score(byLang[core.Lang(l)])
		fmt.Fprintf(&b, "  %-10s %8.1f%% %8.1f%% %8.1f%% %6d\n", l, pct(ls.right, ls.n), pct(ls.complaintsFound, ls.complaints), pct(ls.langRight, ls.n), ls.n)
	}
	for _, r := range rs {
		if details && (!r.acceptable() || r.gotLang != r.lang) {
			fmt.Fprintf(&b, "  miss %s: labeled %s/%s, read %s/%s (unsure %v)\n", r.file, r.category, r.lang, r.got, r.gotLang, r.unsure)
		}
	}
	t.Log("\n" + b.String())
	return s
}

// bar is what a reading of a corpus must reach: overall accuracy,
// complaint recall, complaints read as a purchase or feedback, and
// non-complaints apologised to.
type bar struct {
	accuracy, recall float64 // at least, in %
	asPurchaseOrFb   int     // at most
	apologies        float64 // at most, in % of non-complaints
}

// judgmentBar is issue 11's bar, for the hidden set and for this corpus.
var judgmentBar = bar{accuracy: 92, recall: 97, asPurchaseOrFb: 0, apologies: 2}

// heldOutFloor is NOT the bar: it is what the held-out part measured when
// the reading last changed (accuracy 91.3 %, complaint recall 94.1 %, no
// complaint read as purchase or feedback, no apologies), so that a
// change that reads unseen mail worse fails here. The held-out part is
// our estimate of unseen mail, and its figures are below the bar: issue
// 11 stays open until they are not. Raise the floor as it improves.
// It has only gone up (docs/READING.md says what moved it).
var heldOutFloor = bar{accuracy: 91, recall: 94, asPurchaseOrFb: 0, apologies: 2}

func check(t *testing.T, name string, s corpusScore, b bar) {
	if a := pct(s.right, s.n); a < b.accuracy {
		t.Errorf("%s: accuracy %.1f%% < %.0f%%", name, a, b.accuracy)
	}
	if r := pct(s.complaintsFound, s.complaints); r < b.recall {
		t.Errorf("%s: complaint recall %.1f%% < %.0f%%", name, r, b.recall)
	}
	if s.complaintsAsPurchaseOrFb > b.asPurchaseOrFb {
		t.Errorf("%s: %d complaints read as purchase or feedback (at most %d)", name, s.complaintsAsPurchaseOrFb, b.asPurchaseOrFb)
	}
	if a := pct(s.apologies, s.others); a > b.apologies {
		t.Errorf("%s: %.1f%% of non-complaints read as complaints (> %.0f%%)", name, a, b.apologies)
	}
}

// TestCorpusReading prints how the built-in reading does on the labeled
// corpus, per category and per language. The part the cues were tuned on
// must meet the bar; the held-out part must not fall below what
// it measured (it does not meet the bar yet, see heldOutFloor).
func TestCorpusReading(t *testing.T) {
	p := corpusPolicy(t)
	tune := readCorpus(t, p, loadCorpus(t, "tune"))
	held := readCorpus(t, p, loadCorpus(t, "heldout"))
	// Held-out misses are not listed: fixing them one by one would make
	// the held-out part a second tuning set.
	ts := report(t, "tune", tune, true)
	hs := report(t, "held-out (written before any tuning; our estimate of unseen mail)", held, false)
	report(t, "whole corpus", append(append([]reading{}, tune...), held...), false)
	check(t, "tune", ts, judgmentBar)
	check(t, "held-out", hs, heldOutFloor)
	for _, l := range core.Langs {
		n := 0
		for _, r := range append(append([]reading{}, tune...), held...) {
			if r.lang == l {
				n++
			}
		}
		if n < 25 {
			t.Errorf("the corpus has %d messages in %s; want at least 25", n, l)
		}
	}
}

// unseenFloors are what the later sets never tuned or learned on (read
// only in aggregate) measured when the reading last changed, for h and l,
// or when they were first read, for m and n (written last):
//
//	h  92.4 %, complaint recall 94.5 %, none thanked, no apologies
//	l  92.4 %, 94.5 %, none, none
//	m  87.1 %, 85.5 %, none, 5.2 %
//	n  91.7 %, 92.7 %, 1 complaint thanked, none
//
// Like heldOutFloor they are floors against regressions, not the bar;
// raise them as they improve, never lower them.
var unseenFloors = map[string]bar{
	"h": {accuracy: 92, recall: 94, asPurchaseOrFb: 0, apologies: 2},
	"l": {accuracy: 92, recall: 94, asPurchaseOrFb: 0, apologies: 2},
	"m": {accuracy: 87, recall: 85, asPurchaseOrFb: 0, apologies: 6},
	"n": {accuracy: 91, recall: 92, asPurchaseOrFb: 1, apologies: 2},
}

// learnedFloor is what the sets the second reader learned from, but that
// no cue was tuned on (f, g, i, j, k), measured when the reading last
// changed (the weakest of the five: accuracy 95.5 %, complaint recall
// 96.4 %, none thanked, no apologies, so a single one fails). A
// regularised model does not fit every message it learned from, and a
// message of a line or two is not weighed at all; this floor guards
// against a change that undoes what they taught.
var learnedFloor = bar{accuracy: 95, recall: 96, asPurchaseOrFb: 0, apologies: 1}

// TestLaterSetsReading reads the sets written after the corpus (see
// testdata/corpus/later/README.md). Sets a to e were each read once
// before any change, then tuned on: they must meet the bar, so
// that a change that breaks what they taught fails here. Sets f, g, i, j
// and k were read once, then learned from by the second reader: they must
// not fall below learnedFloor. Sets h, l, m and n were never tuned or
// learned on; their misses are not listed and they must not fall below
// what they measured (unseenFloors).
func TestLaterSetsReading(t *testing.T) {
	p := corpusPolicy(t)
	for _, set := range []string{"a", "b", "c", "d", "e"} {
		rs := readCorpus(t, p, loadCorpus(t, filepath.Join("later", set)))
		check(t, "later/"+set, report(t, "later/"+set+" (tuned on)", rs, true), judgmentBar)
	}
	for _, set := range []string{"f", "g", "i", "j", "k"} {
		rs := readCorpus(t, p, loadCorpus(t, filepath.Join("later", set)))
		check(t, "later/"+set, report(t, "later/"+set+" (learned from)", rs, true), learnedFloor)
	}
	unseen := readCorpus(t, p, loadCorpus(t, "heldout"))
	for _, set := range []string{"h", "l", "m", "n"} {
		rs := readCorpus(t, p, loadCorpus(t, filepath.Join("later", set)))
		check(t, "later/"+set, report(t, "later/"+set+" (never tuned or learned on)", rs, false), unseenFloors[set])
		unseen = append(unseen, rs...)
	}
	report(t, "all mail never tuned or learned on (held-out, h, l, m, n)", unseen, false)
}
