package meaning

import (
	"bufio"
	"cmp"
	_ "embed"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/followupd/followupd/internal/core"
)

// The second reader. The cues weigh what a shop assistant knows to look
// for; they miss what nobody thought to write down ("the tracking has said
// 'label created' since the 3rd"). The second reader is a linear model of
// word stems and pairs of stems, learned from followupd's own labeled
// corpus (rules/testdata/corpus, never its held-out part nor the fresh
// sets kept unseen) by `make learn`, and kept in learned/weights.tsv. It does not
// decide on its own: it is a second opinion that makes a complaint of a
// reading the cues left short of one, keeps an apology, a thank-you or a
// rating request from going out when it strongly disagrees, and settles a
// thank-you note the cues left unsure (see reconsider).

// SignalLearned is the signal of the second reader's evidence: its
// verdict (with why it moved the reading, in Note) and its phrases.
const SignalLearned = "learned"

// learnedClasses are the readings the second reader tells apart, in the
// order of the weights in learned/weights.tsv.
var learnedClasses = [...]core.Category{core.Complaint, core.Inquiry, core.Purchase, core.Feedback}

const nClasses = len(learnedClasses)

// stemRunes is how much of a word the second reader looks at: enough to
// tell "broken" from "brought", short enough that "kaputt", "kaputte" and
// "kaputten" are one feature.
const stemRunes = 5

// feature is one word stem or pair of stems of the customer's words: the
// hash of its key and the words it came from.
type feature struct {
	hash   uint64
	phrase string
}

// eachFeature calls f with each feature of the clauses: "w:" and a stem,
// "b:" and two stems in a row joined by "_", and "?" and "!" as stems for
// a question and for shouting. Numbers are one stem, "#". The key is
// kind+a, or kind+a+"_"+b for a pair; phrase is the words it came from.
func eachFeature(clauses []*clause, f func(kind, a, b, phrase string)) {
	for _, c := range clauses {
		prev, prevStart := "", 0
		for _, t := range c.toks {
			s := stem(t.fold)
			if s == "" {
				continue // a lone accent: nothing to weigh
			}
			f("w:", s, "", c.text[t.start:t.end])
			if prev != "" {
				f("b:", prev, s, c.text[prevStart:t.end])
			}
			prev, prevStart = s, t.start
		}
		if c.question {
			f("w:", "?", "", "?")
			if prev != "" {
				f("b:", prev, "?", strings.TrimSpace(c.text[prevStart:]))
			}
		}
		if c.bangs > 0 {
			f("w:", "!", "", "!!")
		}
	}
}

// featureKey is the key eachFeature describes, as the weights file holds it.
func featureKey(kind, a, b string) string {
	if b == "" {
		return kind + a
	}
	return kind + a + "_" + b
}

// keyHash is the FNV-1a hash of featureKey(kind, a, b), computed without
// building the key: reading a message allocates no key strings.
func keyHash(kind, a, b string) uint64 {
	h := uint64(14695981039346656037)
	add := func(s string) {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	add(kind)
	add(a)
	if b != "" {
		add("_")
		add(b)
	}
	return h
}

func hashOf(key string) uint64 { return keyHash(key, "", "") }

// stem is the first stemRunes letters of a folded word, or "#" for a
// word with a digit in it.
func stem(w string) string {
	for _, r := range w {
		if unicode.IsDigit(r) {
			return "#"
		}
	}
	n := 0
	for i := range w {
		if n == stemRunes {
			return w[:i]
		}
		n++
	}
	return w
}

// learnedText is how much of a message the second reader weighs: the
// clauses that start within its first 4 KiB, subject included, which hold
// what a first contact is about. A clause is weighed whole, and no more
// than MaxText of a message is ever read.
const learnedText = 4 << 10

// firstClauses are the clauses that start within the first n bytes.
func firstClauses(clauses []*clause, n int) []*clause {
	for i, c := range clauses {
		if n <= 0 {
			return clauses[:i]
		}
		n -= len(c.text)
	}
	return clauses
}

// features lists each distinct feature of the clauses once.
func features(clauses []*clause) []feature {
	var out []feature
	eachFeature(firstClauses(clauses, learnedText), func(kind, a, b, phrase string) {
		out = append(out, feature{keyHash(kind, a, b), phrase})
	})
	slices.SortStableFunc(out, func(x, y feature) int { return cmp.Compare(x.hash, y.hash) })
	return slices.CompactFunc(out, func(x, y feature) bool { return x.hash == y.hash })
}

// Weights is a learned model: for each feature, what it adds to each
// class, and each class's bias.
type Weights struct {
	Bias [nClasses]float64
	W    map[string][nClasses]float64
	// byHash is W by the hash of each key, what reading looks up.
	byHash map[uint64][nClasses]float64
}

// index fills byHash from W.
// Two keys with one hash would make one feature weigh as the other: an
// error, which the weights test reports long before a release.
func (w *Weights) index() error {
	w.byHash = make(map[uint64][nClasses]float64, len(w.W))
	owner := make(map[uint64]string, len(w.W))
	for k, v := range w.W {
		h := hashOf(k)
		if other, ok := owner[h]; ok {
			return fmt.Errorf("features %q and %q have one hash", k, other)
		}
		owner[h] = k
		w.byHash[h] = v
	}
	return nil
}

//go:embed learned/weights.tsv
var weightsFile string

var (
	learnedOnce sync.Once
	learned     *Weights
	learnedErr  error
)

// loadWeights reads learned/weights.tsv once. A broken file is a build
// defect that a test catches; followupd then reads with the cues alone.
func loadWeights() *Weights {
	learnedOnce.Do(func() {
		learned, learnedErr = ReadWeights(strings.NewReader(weightsFile))
		if learned != nil {
			learned.W = nil // reading needs only byHash
		}
	})
	return learned
}

// opinion is what the second reader makes of a message.
type opinion struct {
	p     [nClasses]float64 // the probability of each class
	known int               // how many of the message's features it knows
	feats []feature
	w     *Weights
}

// minKnown is how many known features make the second reader's opinion
// worth hearing: a line or two ("Order 1042 picked up, thanks") is too
// little for weights learned from a few hundred messages a language.
const minKnown = 20

func (w *Weights) read(clauses []*clause) opinion {
	o := opinion{feats: features(clauses), w: w}
	z := w.Bias
	for _, f := range o.feats {
		if ws, ok := w.byHash[f.hash]; ok {
			o.known++
			for c := range z {
				z[c] += ws[c]
			}
		}
	}
	o.p = softmax(z)
	return o
}

func softmax(z [nClasses]float64) [nClasses]float64 {
	m := z[0]
	for _, v := range z[1:] {
		m = math.Max(m, v)
	}
	var sum float64
	for c := range z {
		z[c] = math.Exp(z[c] - m)
		sum += z[c]
	}
	for c := range z {
		z[c] /= sum
	}
	return z
}

func classIndex(cat core.Category) int {
	for i, c := range learnedClasses {
		if c == cat {
			return i
		}
	}
	return -1
}

// of is the probability of cat.
func (o opinion) of(cat core.Category) float64 { return o.p[classIndex(cat)] }

// best is the likeliest class.
func (o opinion) best() core.Category {
	b := 0
	for c := range o.p {
		if o.p[c] > o.p[b] {
			b = c
		}
	}
	return learnedClasses[b]
}

// evidence is the second reader's verdict on cat and the three phrases
// that weighed most for it against the other readings.
func (o opinion) evidence(cat core.Category, note string) []Evidence {
	k := classIndex(cat)
	type weighed struct {
		phrase string
		w      float64
	}
	var ws []weighed
	for _, f := range o.feats {
		v, ok := o.w.byHash[f.hash]
		if !ok {
			continue
		}
		var others float64
		for c := range v {
			if c != k {
				others += v[c]
			}
		}
		if d := v[k] - others/float64(nClasses-1); d > 0 && telling(f.phrase) {
			ws = append(ws, weighed{f.phrase, d})
		}
	}
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].w > ws[j].w })
	ev := []Evidence{{Signal: SignalLearned, Phrase: fmt.Sprintf("%s %.0f %%", cat, 100*o.of(cat)), Note: note}}
	for i := 0; i < len(ws) && i < 3; i++ {
		ev = append(ev, Evidence{Signal: SignalLearned, Phrase: shorten(ws[i].phrase), Weight: round(ws[i].w)})
	}
	return ev
}

// telling reports a phrase worth showing the owner as evidence: a pair of
// words, a word of four letters or more, or a question mark. "for" and
// "a" weigh in the sum, but say nothing to a reader.
func telling(phrase string) bool {
	if phrase == "?" || strings.ContainsRune(phrase, ' ') {
		return true
	}
	n := 0
	for _, r := range phrase {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n >= 4
}

// Example is one labeled message for Learn: its subject and own words.
type Example struct {
	Subject, Text string
	Category      core.Category
}

// Learning settings. Features seen in fewer than minDocs messages are
// dropped: a word one customer used once teaches nothing.
const (
	minDocs   = 3
	epochs    = 15
	learnRate = 0.05
	l2        = 1e-4
)

// Learn fits the second reader's weights to labeled messages with
// stochastic gradient descent on the softmax loss, in an order fixed by a
// seeded shuffle, so that the same corpus gives the same weights.
func Learn(examples []Example) *Weights {
	type ex struct {
		keys []string
		y    int
	}
	var exs []ex
	docs := make(map[string]int)
	for _, e := range examples {
		y := classIndex(e.Category)
		if y < 0 {
			continue
		}
		var keys []string
		seen := make(map[string]bool)
		eachFeature(firstClauses(clausesOf(clip(e.Subject, maxSubject), clip(e.Text, MaxText)), learnedText), func(kind, a, b, _ string) {
			if k := featureKey(kind, a, b); !seen[k] {
				seen[k] = true
				keys = append(keys, k)
				docs[k]++
			}
		})
		exs = append(exs, ex{keys, y})
	}
	w := &Weights{W: make(map[string][nClasses]float64)}
	for i := range exs {
		kept := exs[i].keys[:0]
		for _, k := range exs[i].keys {
			if docs[k] >= minDocs {
				kept = append(kept, k)
			}
		}
		exs[i].keys = kept
	}
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	seed := uint64(1)
	for e := 0; e < epochs; e++ {
		for i := len(order) - 1; i > 0; i-- {
			seed = seed*6364136223846793005 + 1442695040888963407
			j := int(seed>>33) % (i + 1)
			order[i], order[j] = order[j], order[i]
		}
		for _, n := range order {
			x := exs[n]
			z := w.Bias
			for _, k := range x.keys {
				v := w.W[k]
				for c := range z {
					z[c] += v[c]
				}
			}
			// The gradient of the loss for class c is p[c] less 1 for
			// the label. The explicit conversions keep the compiler from
			// fusing the arithmetic; math.Exp may still round the last
			// bit differently from one CPU to another, which the weights
			// test allows for.
			g := softmax(z)
			g[x.y]--
			for c := range g {
				w.Bias[c] -= float64(learnRate * g[c])
			}
			for _, k := range x.keys {
				v := w.W[k]
				for c := range g {
					v[c] -= float64(learnRate * (g[c] + float64(l2*v[c])))
				}
				w.W[k] = v
			}
		}
	}
	// A collision is reported when the weights file is read (the
	// weights test reads it); learning goes on without it.
	_ = w.index()
	return w
}

// WriteTo writes the weights as learned/weights.tsv holds them: a header
// comment, the biases, then one feature a line, sorted.
func (w *Weights) WriteTo(out io.Writer) (int64, error) {
	var b strings.Builder
	b.WriteString("# The second reader's weights (rules/meaning/learned.go), learned by `make learn`\n")
	b.WriteString("# from rules/testdata/corpus. Do not edit: change the corpus and learn again.\n")
	b.WriteString("# feature\tcomplaint\tinquiry\tpurchase\tfeedback\n")
	line := func(key string, v [nClasses]float64) {
		b.WriteString(key)
		for _, x := range v {
			b.WriteByte('\t')
			b.WriteString(strconv.FormatFloat(x, 'f', 4, 64))
		}
		b.WriteByte('\n')
	}
	line("bias", w.Bias)
	keys := make([]string, 0, len(w.W))
	for k := range w.W {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		line(k, w.W[k])
	}
	n, err := io.WriteString(out, b.String())
	return int64(n), err
}

// ReadWeights parses what WriteTo wrote.
func ReadWeights(r io.Reader) (*Weights, error) {
	w := &Weights{W: make(map[string][nClasses]float64)}
	sc := bufio.NewScanner(r)
	n, biased := 0, false
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != nClasses+1 {
			return nil, fmt.Errorf("weights line %d: %d fields, want %d", n, len(f), nClasses+1)
		}
		var v [nClasses]float64
		for c := range v {
			x, err := strconv.ParseFloat(f[c+1], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("weights line %d: %q is not a weight", n, f[c+1])
			}
			v[c] = x
		}
		_, seen := w.W[f[0]]
		switch {
		case f[0] == "bias" && biased, seen:
			return nil, fmt.Errorf("weights line %d: %s again", n, f[0])
		case f[0] == "bias":
			w.Bias, biased = v, true
		default:
			w.W[f[0]] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !biased {
		return nil, fmt.Errorf("weights: no bias line")
	}
	if err := w.index(); err != nil {
		return nil, fmt.Errorf("weights: %v", err)
	}
	return w, nil
}

// When the second reader is heard. Its probabilities are sharp (a corpus
// of a few hundred messages a language), so only a clear opinion counts.
const (
	// learnedComplaint: a reading left at an inquiry becomes a complaint.
	learnedComplaint = 0.6
	// learnedNoComplaint: below this a complaint reading is made unsure.
	learnedNoComplaint = 0.2
	// learnedWorry: a purchase or feedback reading is made unsure.
	learnedWorry = 0.5
	// learnedOverrule: a purchase or feedback reading becomes a complaint.
	learnedOverrule = 0.7
	// learnedThanks: an unsure reading becomes feedback, when the second
	// reader also gives a complaint less than learnedCalm.
	learnedThanks = 0.9
	learnedCalm   = 0.05
)

// reconsider weighs the second reader's opinion against the cues'
// reading:
//   - an inquiry (sure or unsure) it clearly reads as a complaint is one:
//     customers tell trouble in more ways than any list of cues holds;
//   - a complaint it finds little of is unsure: an apology to a shopper
//     is awkward, a neutral acknowledgement never wrong;
//   - a purchase or feedback it reads as likely a complaint is unsure (an
//     upset customer must not be thanked or asked for a rating), and one
//     it is all but sure of is a complaint: sarcasm ("complimenti davvero")
//     and trouble told with a question ("can I bring it back this
//     afternoon? the chain came off twice") read as thanks or an order;
//   - an unsure reading it is all but sure is thanks, and not a
//     complaint, is thanks, unless words of anger or repetition were
//     heard (heated): a thank-you for trouble put right ("the creaking is
//     gone, thank you") tells the trouble it was about.
func reconsider(cat core.Category, unsure, heated bool, o opinion) (core.Category, bool, []Evidence) {
	if o.known < minKnown {
		return cat, unsure, nil
	}
	pc := o.of(core.Complaint)
	switch {
	case cat == core.Inquiry && pc >= learnedComplaint:
		return core.Complaint, false, o.evidence(core.Complaint, "the second reader reads a complaint")
	case cat == core.Complaint && pc < learnedNoComplaint:
		return core.Inquiry, true, o.evidence(o.best(), "the second reader reads no complaint")
	case (cat == core.Purchase || cat == core.Feedback) && pc >= learnedOverrule:
		return core.Complaint, false, o.evidence(core.Complaint, "the second reader reads a complaint")
	case (cat == core.Purchase || cat == core.Feedback) && pc >= learnedWorry:
		return core.Inquiry, true, o.evidence(core.Complaint, "the second reader reads a likely complaint")
	case unsure && !heated && o.of(core.Feedback) >= learnedThanks && pc < learnedCalm:
		return core.Feedback, false, o.evidence(core.Feedback, "the second reader reads thanks")
	}
	return cat, unsure, nil
}
