package rules

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/meaning"
)

// `make learn` runs TestLearnedWeightsAreTheCorpus with -learn to write
// the second reader's weights anew from the corpus.
var learnFlag = flag.Bool("learn", false, "write rules/meaning/learned/weights.tsv from the corpus")

// learnedFrom are the parts of the corpus the second reader learns from.
// The held-out part and sets h, l, m and n are never among them: they are the
// honest estimate of mail nobody has seen.
var learnedFrom = []string{"tune", "later/a", "later/b", "later/c", "later/d", "later/e", "later/f", "later/g", "later/i", "later/j", "later/k"}

const weightsPath = "meaning/learned/weights.tsv"

// examples turns labeled messages into what the second reader learns
// from: the subject and words Read is given for each.
func examples(t *testing.T, p *Policy, msgs []labeled) []meaning.Example {
	t.Helper()
	var out []meaning.Example
	for _, l := range msgs {
		m, d, ok := decideFile(t, p, l.file)
		if !ok {
			continue
		}
		subject, _ := splitSubject(d.Subject, d.Kind == core.KindCustomer && answers(m))
		out = append(out, meaning.Example{Subject: subject, Text: d.Text, Category: l.category})
	}
	return out
}

// The weights in the repository are what the corpus teaches: nobody
// edited them by hand, and a change to the corpus or to the features is
// learned again (`make learn`). Weights are compared to within 0.01, as
// math.Exp may round differently from one CPU to another.
func TestLearnedWeightsAreTheCorpus(t *testing.T) {
	p := corpusPolicy(t)
	var msgs []labeled
	for _, part := range learnedFrom {
		msgs = append(msgs, loadCorpus(t, part)...)
	}
	w := meaning.Learn(examples(t, p, msgs))
	if *learnFlag {
		var b bytes.Buffer
		if _, err := w.WriteTo(&b); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(weightsPath), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d features from %d messages", weightsPath, len(w.W), len(msgs))
		return
	}
	f, err := os.Open(filepath.FromSlash(weightsPath))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kept, err := meaning.ReadWeights(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(kept.W) != len(w.W) {
		t.Fatalf("%s has %d features, the corpus teaches %d: run `make learn`", weightsPath, len(kept.W), len(w.W))
	}
	far := func(a, b [4]float64) bool {
		for c := range a {
			if math.Abs(a[c]-b[c]) > 0.01 {
				return true
			}
		}
		return false
	}
	if far(kept.Bias, w.Bias) {
		t.Fatalf("%s: biases %v, the corpus teaches %v: run `make learn`", weightsPath, kept.Bias, w.Bias)
	}
	for k, v := range w.W {
		if kv, ok := kept.W[k]; !ok || far(kv, v) {
			t.Fatalf("%s: feature %q is %v, the corpus teaches %v: run `make learn`", weightsPath, k, kv, v)
		}
	}
}
