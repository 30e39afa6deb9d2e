package meaning

import (
	"embed"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The cue files: lexicon/LANG.txt for each language, and lexicon/any.txt
// for cues that mean the same in every language (emoji, "!!!"). See
// lexicon/README.md for the format.
//
//go:embed lexicon/*.txt
var lexiconFiles embed.FS

// signal is what a cue says about the customer's words.
type signal int

const (
	sigProblem   signal = iota // something went wrong: an event ("arrived broken", "never came")
	sigFault                   // a word for something wrong ("broken", "wrong size"): a problem when it is about their own things
	sigDemand                  // a refund, replacement or apology demanded
	sigHypo                    // a condition or hypothesis ("if", "what happens if", "before I buy")
	sigPolicy                  // how things work in general ("policy", "warranty", "return period")
	sigAsk                     // a question form ("do you", "can I", "how much")
	sigInquiry                 // what is asked about (price, stock, opening hours)
	sigMine                    // the customer's own order, parcel, bill ("my order", "I ordered")
	sigTime                    // time gone by ("three weeks ago", "still", "yet")
	sigIntent                  // wanting to buy or book ("I'd like to order", "please book me")
	sigPraise                  // praise ("wonderful", "best coffee in town")
	sigThanks                  // thanks meant as the point of the message
	sigPolite                  // politeness that is not feedback ("thanks in advance")
	sigSuggest                 // a suggestion ("it would be nice if")
	sigIntense                 // anger, urgency ("unacceptable", "third time")
	sigNeg                     // a negation ("no", "nothing", "kein")
	sigStop                    // ends a negation's scope ("but", "aber")
	sigFine                    // all is well ("everything arrived fine", "alles bestens")
	sigFixed                   // a problem was solved ("you fixed it", "works again"): what came before it is over
	sigElsewhere               // the trouble was not this shop's doing ("bought it elsewhere", "I dropped it")
	numSignals
)

var signalNames = [numSignals]string{"problem", "fault", "demand", "hypo", "policy", "ask", "inquiry", "mine", "time",
	"intent", "praise", "thanks", "polite", "suggest", "intense", "neg", "stop", "fine", "fixed", "elsewhere"}

func (s signal) String() string { return signalNames[s] }

func parseSignal(s string) (signal, bool) {
	for i, n := range signalNames {
		if n == s {
			return signal(i), true
		}
	}
	return 0, false
}

// word matches one token, or a few in a row: any of its exact words,
// stems, or phrases ("thank_you").
type word struct {
	exact    map[string]bool // folded words
	raw      map[string]bool // lower-cased words with their accents ("=hätte")
	stems    []string        // folded prefixes ("damag*")
	suffixes []string        // folded word endings ("*torte": Hochzeitstorte)
	phrases  [][]atom        // alternatives of several words
	optional bool
	gap      int  // > 0: up to gap tokens of anything, in place of a word
	end      bool // "$": the end of the sentence
	start    bool // "^": the start of the sentence
	number   bool // "#" among the alternatives: any number written in digits
}

// atom is one word of a phrase alternative.
type atom struct {
	text string
	stem bool
	raw  bool
}

func (a atom) matches(t token) bool {
	switch {
	case a.raw:
		return t.low == a.text
	case a.stem:
		return strings.HasPrefix(t.fold, a.text)
	}
	return t.fold == a.text
}

func (w *word) matches(t token) bool {
	if w.exact[t.fold] || w.raw[t.low] || w.number && isNumber(t.fold) {
		return true
	}
	for _, s := range w.stems {
		if strings.HasPrefix(t.fold, s) {
			return true
		}
	}
	for _, s := range w.suffixes {
		if strings.HasSuffix(t.fold, s) {
			return true
		}
	}
	return false
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// ends calls fn with the index after each way w matches at toks[i].
func (w *word) ends(toks []token, i int, fn func(end int) bool) bool {
	if i >= len(toks) {
		return false
	}
	if w.matches(toks[i]) && fn(i+1) {
		return true
	}
	for _, p := range w.phrases {
		if i+len(p) > len(toks) {
			continue
		}
		ok := true
		for k, a := range p {
			if !a.matches(toks[i+k]) {
				ok = false
				break
			}
		}
		if ok && fn(i+len(p)) {
			return true
		}
	}
	return false
}

// cue is one compiled line of a lexicon.
type cue struct {
	signal   signal
	weight   float64
	words    []word
	anchored bool   // "^": it matches only at the start of the sentence
	source   string // "en.txt:12"
}

// lexicon is the compiled cues of one language, indexed by the first
// letters of their first word.
type lexicon struct {
	lang  string
	cues  []*cue
	index map[string][]*cue // by the first 1-3 bytes of a first word
}

var (
	lexOnce  sync.Once
	lexicons map[string]*lexicon
	lexErr   error
)

// loadLexicons compiles every cue file once. A file that does not
// compile is left out (and reported): the others still read.
func loadLexicons() (map[string]*lexicon, error) {
	lexOnce.Do(func() {
		lexicons = map[string]*lexicon{}
		entries, err := lexiconFiles.ReadDir("lexicon")
		if err != nil {
			lexErr = err
			return
		}
		var errs []error
		for _, e := range entries {
			name := e.Name()
			if !strings.HasSuffix(name, ".txt") {
				continue
			}
			// de.txt and de.elsewhere.txt are both German: a language's
			// cues may be kept in several files, each with its own sets.
			lang, _, _ := strings.Cut(strings.TrimSuffix(name, ".txt"), ".")
			src, err := lexiconFiles.ReadFile("lexicon/" + name)
			if err == nil {
				var lx *lexicon
				if lx, err = compileLexicon(lang, name, string(src)); err == nil {
					lexicons[lang] = lexicons[lang].merge(lx)
				}
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		lexErr = errors.Join(errs...)
	})
	return lexicons, lexErr
}

// compileLexicon parses one cue file:
//
//	# a comment (" # " starts one after a line too)
//	@item = order|parcel|package*     a named set of words
//	problem 3  @item ~3 arriv* broken|damag*
//
// A line is a signal, a weight and a pattern of words. A word is
// alternatives separated by "|"; each is a word, a stem ending in "*", a
// set "@name", or "=word" to match with its accents as written. "[word]"
// is optional; "~N" stands for up to N words of anything.
func compileLexicon(lang, file, src string) (*lexicon, error) {
	lx := &lexicon{lang: lang, index: map[string][]*cue{}}
	sets := map[string][]string{}
	var errs []string
	for n, line := range strings.Split(src, "\n") {
		where := fmt.Sprintf("%s:%d", file, n+1)
		if i := strings.Index(line, " # "); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSuffix(line, " #")
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "@") {
			name, def, ok := strings.Cut(line, "=")
			if !ok {
				errs = append(errs, where+": a set is \"@name = a|b|c*\"")
				continue
			}
			alts, err := expand(strings.TrimSpace(def), sets)
			if err != nil {
				errs = append(errs, where+": "+err.Error())
				continue
			}
			sets[strings.TrimSpace(name)] = alts
			continue
		}
		f := strings.Fields(line)
		if len(f) < 3 {
			errs = append(errs, where+": want \"signal weight pattern\"")
			continue
		}
		sig, ok := parseSignal(f[0])
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: unknown signal %q", where, f[0]))
			continue
		}
		w, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: weight %q is not a number", where, f[1]))
			continue
		}
		c := &cue{signal: sig, weight: w, source: where}
		for _, p := range f[2:] {
			wd, err := compileWord(p, sets)
			if err != nil {
				errs = append(errs, where+": "+err.Error())
				break
			}
			c.words = append(c.words, wd)
		}
		if len(c.words) != len(f)-2 {
			continue
		}
		if c.words[0].start {
			c.anchored = true
			c.words = c.words[1:]
		}
		if len(c.words) == 0 || c.words[0].gap > 0 || c.words[0].optional || c.words[0].end || c.words[0].start {
			errs = append(errs, where+": a pattern starts with a word (after an optional ^)")
			continue
		}
		if c.words[len(c.words)-1].gap > 0 {
			errs = append(errs, where+": a pattern ends with a word")
			continue
		}
		lx.cues = append(lx.cues, c)

	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("lexicon %s:\n%s", lang, strings.Join(errs, "\n"))
	}
	for _, c := range lx.cues {
		first := c.words[0]
		keys := map[string]bool{}
		for x := range first.exact {
			keys[key(x)] = true
		}
		for x := range first.raw {
			keys[key(fold(x))] = true
		}
		for _, s := range first.stems {
			keys[key(s)] = true
		}
		for _, p := range first.phrases {
			keys[key(fold(p[0].text))] = true
		}
		if len(first.suffixes) > 0 || first.number {
			keys[anyKey] = true
		}
		for k := range keys {
			lx.index[k] = append(lx.index[k], c)
		}
	}
	return lx, nil
}

// merge adds the cues of o (another file of the same language) to lx.
func (lx *lexicon) merge(o *lexicon) *lexicon {
	if lx == nil {
		return o
	}
	lx.cues = append(lx.cues, o.cues...)
	for k, cs := range o.index {
		lx.index[k] = append(lx.index[k], cs...)
	}
	return lx
}

// key is what a word is indexed under: its first three bytes.
func key(s string) string { return s[:min(3, len(s))] }

// anyKey indexes cues whose first word is a suffix: tried at every word.
const anyKey = "\x00"

// candidates returns the cues whose first word may match t.
func (lx *lexicon) candidates(t token, out []*cue) []*cue {
	for n := 1; n <= min(3, len(t.fold)); n++ {
		out = append(out, lx.index[t.fold[:n]]...)
	}
	return append(out, lx.index[anyKey]...)
}

// expand resolves a "|" list with @sets into its alternatives.
func expand(def string, sets map[string][]string) ([]string, error) {
	var out []string
	for _, a := range strings.Split(def, "|") {
		a = strings.TrimSpace(a)
		switch {
		case a == "":
			return nil, fmt.Errorf("empty alternative in %q", def)
		case strings.HasPrefix(a, "@"):
			s, ok := sets[a]
			if !ok {
				return nil, fmt.Errorf("unknown set %s", a)
			}
			out = append(out, s...)
		default:
			out = append(out, a)
		}
	}
	return out, nil
}

func compileWord(p string, sets map[string][]string) (word, error) {
	switch p {
	case "$":
		return word{end: true}, nil
	case "^":
		return word{start: true}, nil
	}
	if strings.HasPrefix(p, "~") {
		n, err := strconv.Atoi(p[1:])
		if err != nil || n < 1 || n > 8 {
			return word{}, fmt.Errorf("gap %q: want ~1 to ~8", p)
		}
		return word{gap: n}, nil
	}
	w := word{exact: map[string]bool{}, raw: map[string]bool{}}
	if strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
		w.optional = true
		p = p[1 : len(p)-1]
	}
	alts, err := expand(p, sets)
	if err != nil {
		return w, err
	}
	for _, a := range alts {
		if strings.Contains(a, "_") {
			var p []atom
			for _, x := range strings.Split(a, "_") {
				switch {
				case x == "":
					return w, fmt.Errorf("empty word in %q", a)
				case strings.HasPrefix(x, "="):
					p = append(p, atom{text: strings.ToLower(x[1:]), raw: true})
				case strings.HasSuffix(x, "*"):
					p = append(p, atom{text: fold(strings.TrimSuffix(x, "*")), stem: true})
				default:
					p = append(p, atom{text: fold(x)})
				}
			}
			w.phrases = append(w.phrases, p)
			continue
		}
		switch {
		case a == "#":
			w.number = true
		case strings.HasPrefix(a, "*") && len(a) > 2:
			w.suffixes = append(w.suffixes, fold(a[1:]))
		case strings.HasPrefix(a, "="):
			w.raw[strings.ToLower(a[1:])] = true
		case strings.HasSuffix(a, "*"):
			s := fold(strings.TrimSuffix(a, "*"))
			if s == "" {
				return w, fmt.Errorf("empty stem in %q", p)
			}
			w.stems = append(w.stems, s)
		default:
			w.exact[fold(a)] = true
		}
	}
	sort.Strings(w.stems)
	return w, nil
}

// match tries c at token i of toks and returns the index after the last
// token it matched.
func (c *cue) match(toks []token, i int) (end int, gaps uint64, ok bool) {
	if c.anchored && i != 0 {
		return 0, 0, false
	}
	return matchFrom(c.words, toks, i, i)
}

// matchFrom matches ws at toks[i]; base is where the cue started. gaps
// marks (bit k for token base+k) the tokens a gap stood for, so that a
// negation there is told from one the pattern itself holds.
func matchFrom(ws []word, toks []token, i, base int) (int, uint64, bool) {
	if len(ws) == 0 {
		return i, 0, true
	}
	w := &ws[0]
	switch {
	case w.end:
		if i == len(toks) {
			return matchFrom(ws[1:], toks, i, base)
		}
		return 0, 0, false
	case w.start:
		if i == 0 {
			return matchFrom(ws[1:], toks, i, base)
		}
		return 0, 0, false
	case w.gap > 0:
		for skip := 0; skip <= w.gap && i+skip <= len(toks); skip++ {
			if end, gaps, ok := matchFrom(ws[1:], toks, i+skip, base); ok {
				for k := i; k < i+skip && k-base < 64; k++ {
					gaps |= 1 << uint(k-base)
				}
				return end, gaps, true
			}
		}
		return 0, 0, false
	}
	var end int
	var gaps uint64
	next := func(e int) bool {
		var ok bool
		end, gaps, ok = matchFrom(ws[1:], toks, e, base)
		return ok
	}
	if w.ends(toks, i, next) {
		return end, gaps, true
	}
	if w.optional {
		return matchFrom(ws[1:], toks, i, base)
	}
	return 0, 0, false
}
