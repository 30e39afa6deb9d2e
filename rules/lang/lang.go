// Package lang tells which language a customer wrote in, from their own
// words, with character trigram profiles built from text written for
// followupd (profiles/LANG.txt): a few kilobytes a language, read once.
//
// A detection is Confident only when the text is long enough and one
// language is clearly ahead, so that a one-word "Danke!" or a line of
// order numbers does not change what followupd believes of a customer.
package lang

import (
	"embed"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/followupd/followupd/internal/core"
)

//go:embed profiles/*.txt
var profileFiles embed.FS

// maxRead is how much text is looked at: the first 4 KiB of letters are
// plenty to tell a language, and the cost stays bounded.
const maxRead = 4 << 10

// Detection is the language of a text, and how sure it is.
type Detection struct {
	Lang      core.Lang // "" when no language followupd knows fits
	Confident bool
	// Runners are the next likeliest languages, when it is not confident.
	Runners []core.Lang
	// Plausible are the languages that fit the text nearly as well as
	// the best (within plausibleMargin per trigram), the best first: on a
	// short text one of them is seldom wrong.
	Plausible []core.Lang
	// Margin is how far ahead Lang is of the next language, in average
	// log-probability per trigram; Trigrams is how many were read.
	Margin   float64
	Trigrams int
}

// A language is Confident when at least minTrigrams were read and it leads
// by at least minMargin.
const (
	minTrigrams = 40
	minMargin   = 0.12
	// plausibleMargin: a language further behind the best than this (per
	// trigram) does not fit the text.
	plausibleMargin = 1.0
	// unknownBelow: a best score below this (per trigram) fits no profile.
	unknownBelow = -9.0
)

// model is every language's profile in one table: for each trigram seen
// in any profile, its log-probability in each language, so that a text is
// scored with one lookup a trigram.
type model struct {
	langs []core.Lang
	rows  map[uint64]int // trigram -> row of logp
	logp  [][]float64    // logp[row][language]
	floor []float64      // each language's log-probability of an unseen trigram
}

var (
	once sync.Once
	m    *model
)

func load() *model {
	once.Do(func() {
		m = &model{rows: map[uint64]int{}}
		for _, l := range core.Langs {
			b, err := profileFiles.ReadFile("profiles/" + string(l) + ".txt")
			if err != nil {
				continue // the tests check that every language has one
			}
			m.add(l, string(b))
		}
	})
	return m
}

// add counts the trigrams of a language's text, smoothed so that a
// trigram the profile never saw costs a fixed amount.
func (m *model) add(l core.Lang, text string) {
	col := len(m.langs)
	m.langs = append(m.langs, l)
	counts := map[uint64]int{}
	total := 0
	grams(text, func(g uint64) {
		counts[g]++
		total++
	})
	denom := float64(total + len(counts) + 1)
	floor := math.Log(0.5 / denom)
	m.floor = append(m.floor, floor)
	for i := range m.logp {
		m.logp[i] = append(m.logp[i], floor)
	}
	for g, n := range counts {
		row, ok := m.rows[g]
		if !ok {
			row = len(m.logp)
			m.rows[g] = row
			m.logp = append(m.logp, append([]float64{}, m.floor...))
		}
		m.logp[row][col] = math.Log(float64(n) / denom)
	}
}

// grams calls fn for each trigram of the letters of text, lower-cased,
// words padded with a space on either side (" de", "der", "er "), each
// packed into a number: three runes of 21 bits.
func grams(text string, fn func(uint64)) {
	var w []rune
	flush := func() {
		if len(w) == 0 {
			return
		}
		prev2, prev1 := uint64(' '), uint64(' ')
		for i, r := range append(w, ' ') {
			cur := uint64(r)
			if i >= 1 {
				fn(prev2<<42 | prev1<<21 | cur)
			}
			prev2, prev1 = prev1, cur
		}
		w = w[:0]
	}
	for _, r := range text {
		if unicode.IsLetter(r) {
			w = append(w, unicode.ToLower(r))
			continue
		}
		if r == '\'' || r == '’' {
			continue
		}
		flush()
	}
	flush()
}

// Detect returns the language text is written in. Text in another script
// or language, or too short to tell, gives an empty or unconfident result.
func Detect(text string) Detection {
	md := load()
	text = cutLetters(text, maxRead)
	scores := make([]float64, len(md.langs))
	n := 0
	latin, letters := 0, 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
			if unicode.Is(unicode.Latin, r) {
				latin++
			}
		}
	}
	if letters == 0 || latin*2 < letters {
		return Detection{}
	}
	grams(text, func(g uint64) {
		n++
		row, ok := md.rows[g]
		if !ok {
			for i, f := range md.floor {
				scores[i] += f
			}
			return
		}
		for i, v := range md.logp[row] {
			scores[i] += v
		}
	})
	if n == 0 {
		return Detection{}
	}
	order := make([]int, len(md.langs))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return scores[order[a]] > scores[order[b]] })
	best := scores[order[0]] / float64(n)
	d := Detection{Trigrams: n}
	if best < unknownBelow {
		return d
	}
	d.Lang = md.langs[order[0]]
	for _, i := range order {
		if best-scores[i]/float64(n) < plausibleMargin {
			d.Plausible = append(d.Plausible, md.langs[i])
		}
	}
	if len(order) > 1 {
		d.Margin = best - scores[order[1]]/float64(n)
	}
	d.Confident = n >= minTrigrams && d.Margin >= minMargin
	if !d.Confident {
		for _, i := range order[1:min(3, len(order))] {
			if best-scores[i]/float64(n) < 0.5 {
				d.Runners = append(d.Runners, md.langs[i])
			}
		}
	}
	return d
}

// cutLetters returns a prefix of text holding at most n bytes, cut at a
// space so no word is split.
func cutLetters(text string, n int) string {
	if len(text) <= n {
		return text
	}
	cut := text[:n]
	if i := strings.LastIndexAny(cut, " \n\t"); i > n/2 {
		cut = cut[:i]
	}
	return strings.ToValidUTF8(cut, "")
}
