package meaning

import (
	"embed"
	"errors"
	"fmt"
	"math/bits"
	"slices"
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
	sigGreet                   // small talk asked as a question ("how are you?", "tudo bem?"): no question to answer
	numSignals
)

var signalNames = [numSignals]string{"problem", "fault", "demand", "hypo", "policy", "ask", "inquiry", "mine", "time",
	"intent", "praise", "thanks", "polite", "suggest", "intense", "neg", "stop", "fine", "fixed", "elsewhere", "greet"}

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
// stems, or phrases ("thank_you"). A compiled word has an id in its
// lexicon: a scan of a sentence marks, for each token, the ids of the
// words that match it, so that matching a cue is a bit test.
type word struct {
	id       int32    // its bits in a scan; -1 for a gap, "^" or "$"
	exact    []string // folded words
	raw      []string // lower-cased words with their accents ("=hätte")
	stems    []string // folded prefixes ("damag*")
	suffixes []string // folded word endings ("*torte": Hochzeitstorte)
	phrases  [][]atom // alternatives of several words
	optional bool
	gap      int  // > 0: up to gap tokens of anything, in place of a word
	end      bool // "$": the end of the sentence
	start    bool // "^": the start of the sentence
	number   bool // "#" among the alternatives: any number written in digits
	orEnd    bool // "$" among the alternatives: or the end of the sentence
}

// atom is one word of a phrase alternative.
type atom struct {
	text string // a stem's folded prefix
	id   int32  // an exact or raw word's id in the lexicon's vocabulary
	stem bool
	raw  bool
}

func isNumber(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// cue is one compiled line of a lexicon.
type cue struct {
	signal   signal
	weight   float64
	words    []*word
	anchored bool   // "^": it matches only at the start of the sentence
	lang     string // the language whose file it is in
	source   string // "en.txt:12"
	n        int    // its place in the language's cues: ties are broken by it
}

// lexicon is the compiled cues of one language, with what a scan needs to
// mark the words that match each token.
type lexicon struct {
	lang  string
	cues  []*cue
	words []*word // by id

	vocab   map[string]int32 // every exact and raw word of a pattern
	byExact postings         // by vocabulary id: the bits of the words it is, folded
	byRaw   postings         // by vocabulary id: the bits of the words it is as written
	stems   map[string]int32 // every stem: its id in byStem
	byStem  postings
	stemLen uint64 // bit n: some stem is n bytes long (63: longer)
	longest int    // the longest stem
	// Word endings ("*torte"), indexed as the stems are; and the words
	// that match any number.
	suffixes  map[string]int32
	bySuffix  postings
	suffixLen uint64
	numbers   []int32
	first     [][]*cue // word id: the cues that start with it
}

// A word has two bits in a scan: bitWord when the token is the word (one
// of its single words), bitPhrase when one of its phrases may start there.
func bitWord(id int32) int32   { return 2 * id }
func bitPhrase(id int32) int32 { return 2*id + 1 }

// lexicons are the cue files by language, each compiled on first use:
// a German message does not pay for compiling the Polish cues.
var lexicons = sync.OnceValue(func() map[string]*lazyLexicon {
	out := map[string]*lazyLexicon{}
	entries, _ := lexiconFiles.ReadDir("lexicon")
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".txt") {
			continue
		}
		// de.txt and de.elsewhere.txt are both German: a language's cues
		// may be kept in several files, each with its own sets.
		lang, _, _ := strings.Cut(strings.TrimSuffix(name, ".txt"), ".")
		if out[lang] == nil {
			out[lang] = &lazyLexicon{lang: lang}
		}
		out[lang].files = append(out[lang].files, name)
	}
	return out
})

// lazyLexicon is a language's cue files, compiled once when first read.
type lazyLexicon struct {
	lang  string
	files []string
	once  sync.Once
	lx    *lexicon
	err   error
}

// get compiles the language's files (once). A file that does not compile
// is left out and reported: the others still read.
func (l *lazyLexicon) get() (*lexicon, error) {
	l.once.Do(func() {
		var errs []error
		var cues []*cue
		for _, name := range l.files {
			src, err := lexiconFiles.ReadFile("lexicon/" + name)
			if err == nil {
				var cs []*cue
				if cs, err = compileCues(l.lang, name, string(src)); err == nil {
					cues = append(cues, cs...)
				}
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		if len(cues) > 0 {
			l.lx = newLexicon(l.lang, cues)
		}
		l.err = errors.Join(errs...)
	})
	return l.lx, l.err
}

// loadLexicons compiles every cue file (the tests check them all).
func loadLexicons() (map[string]*lexicon, error) {
	out := map[string]*lexicon{}
	var errs []error
	for lang, l := range lexicons() {
		lx, err := l.get()
		if lx != nil {
			out[lang] = lx
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// compileCues parses one cue file:
//
//	# a comment (" # " starts one after a line too)
//	@item = order|parcel|package*     a named set of words
//	problem 3  @item ~3 arriv* broken|damag*
//
// A line is a signal, a weight and a pattern of words. A word is
// alternatives separated by "|"; each is a word, a stem ending in "*", a
// set "@name", or "=word" to match with its accents as written. "[word]"
// is optional; "~N" stands for up to N words of anything.
func compileCues(lang, file, src string) ([]*cue, error) {
	var cues []*cue
	sets := map[string][]string{}
	compiled := map[string]*word{} // pattern words compiled since a set was last defined again
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
			name = strings.TrimSpace(name)
			if _, again := sets[name]; again {
				// A set defined again: words compiled before stay as
				// they were; the lines after it compile anew.
				compiled = map[string]*word{}
			}
			sets[name] = alts
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
		c := &cue{signal: sig, weight: w, source: where, lang: lang}
		for _, p := range f[2:] {
			wd, ok := compiled[p]
			if !ok {
				var err error
				if wd, err = compileWord(p, sets); err != nil {
					errs = append(errs, where+": "+err.Error())
					break
				}
				// Words are shared read-only: "@item" is compiled once.
				compiled[p] = wd
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
		cues = append(cues, c)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("lexicon %s:\n%s", lang, strings.Join(errs, "\n"))
	}
	return cues, nil
}

// newLexicon numbers the words of the cues and indexes them: by the
// words and stems that match them, and by the cues they start.
func newLexicon(lang string, cues []*cue) *lexicon {
	lx := &lexicon{lang: lang, cues: cues, vocab: map[string]int32{}, stems: map[string]int32{}, suffixes: map[string]int32{}}
	seen := map[*word]bool{}
	for n, c := range cues {
		c.n = n
		for _, w := range c.words {
			if w.gap > 0 || w.end || w.start {
				w.id = -1
				continue
			}
			if !seen[w] {
				seen[w] = true
				w.id = int32(len(lx.words))
				lx.words = append(lx.words, w)
			}
		}
	}
	// (key, bit) pairs, gathered and then laid out as postings.
	var exact, raw, stems, suffixes [][2]int32
	stem := func(s string, bit int32) {
		stems = append(stems, [2]int32{internIn(lx.stems, s), bit})
		lx.stemLen |= 1 << uint(min(len(s), 63))
		lx.longest = max(lx.longest, len(s))
	}
	for _, w := range lx.words {
		b := bitWord(w.id)
		for _, x := range w.exact {
			exact = append(exact, [2]int32{internIn(lx.vocab, x), b})
		}
		for _, x := range w.raw {
			raw = append(raw, [2]int32{internIn(lx.vocab, x), b})
		}
		for _, x := range w.stems {
			stem(x, b)
		}
		for _, x := range w.suffixes {
			suffixes = append(suffixes, [2]int32{internIn(lx.suffixes, x), b})
			lx.suffixLen |= 1 << uint(min(len(x), 63))
		}
		if w.number {
			lx.numbers = append(lx.numbers, b)
		}
		for _, p := range w.phrases {
			for k := range p {
				if !p[k].stem {
					p[k].id = internIn(lx.vocab, p[k].text)
				}
			}
			switch a := p[0]; {
			case a.stem:
				stem(a.text, bitPhrase(w.id))
			case a.raw:
				raw = append(raw, [2]int32{a.id, bitPhrase(w.id)})
			default:
				exact = append(exact, [2]int32{a.id, bitPhrase(w.id)})
			}
		}
	}
	lx.byExact = newPostings(len(lx.vocab), exact)
	lx.byRaw = newPostings(len(lx.vocab), raw)
	lx.byStem = newPostings(len(lx.stems), stems)
	lx.bySuffix = newPostings(len(lx.suffixes), suffixes)
	lx.first = make([][]*cue, len(lx.words))
	for _, c := range cues {
		id := c.words[0].id
		lx.first[id] = append(lx.first[id], c)
	}
	// The postings now say which tokens each word matches: its lists of
	// forms were only needed to build them, and every language's cues
	// stay in memory for the daemon's life.
	for _, w := range lx.words {
		w.exact, w.raw, w.stems, w.suffixes = nil, nil, nil, nil
	}
	return lx
}

// internIn returns s's id in ids, adding it.
func internIn(ids map[string]int32, s string) int32 {
	id, ok := ids[s]
	if !ok {
		id = int32(len(ids))
		ids[s] = id
	}
	return id
}

// postings are the bits each key (a word's id in the vocabulary, a
// stem's) sets, in one slice: key k's are bits[start[k]:start[k+1]].
type postings struct {
	start []int32
	bits  []int32
}

func newPostings(keys int, pairs [][2]int32) postings {
	p := postings{start: make([]int32, keys+1), bits: make([]int32, len(pairs))}
	for _, pr := range pairs {
		p.start[pr[0]+1]++
	}
	for k := 1; k <= keys; k++ {
		p.start[k] += p.start[k-1]
	}
	next := slices.Clone(p.start[:keys])
	for _, pr := range pairs {
		p.bits[next[pr[0]]] = pr[1]
		next[pr[0]]++
	}
	return p
}

func (p postings) of(k int32) []int32 { return p.bits[p.start[k]:p.start[k+1]] }

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

func compileWord(p string, sets map[string][]string) (*word, error) {
	switch p {
	case "$":
		return &word{end: true}, nil
	case "^":
		return &word{start: true}, nil
	}
	if strings.HasPrefix(p, "~") {
		n, err := strconv.Atoi(p[1:])
		if err != nil || n < 1 || n > 8 {
			return nil, fmt.Errorf("gap %q: want ~1 to ~8", p)
		}
		return &word{gap: n}, nil
	}
	w := &word{}
	if strings.HasPrefix(p, "[") && strings.HasSuffix(p, "]") {
		w.optional = true
		p = p[1 : len(p)-1]
	}
	alts, err := expand(p, sets)
	if err != nil {
		return nil, err
	}
	// Room for every alternative, and every phrase's atoms in one slice.
	phrases, atoms := 0, 0
	for _, a := range alts {
		if n := strings.Count(a, "_"); n > 0 {
			phrases++
			atoms += n + 1
		}
	}
	w.exact = make([]string, 0, len(alts)-phrases)
	w.phrases = make([][]atom, 0, phrases)
	room := make([]atom, 0, atoms)
	for _, a := range alts {
		if strings.Contains(a, "_") {
			p := room[len(room) : len(room) : len(room)+strings.Count(a, "_")+1]
			for rest, more := a, true; more; {
				var x string
				x, rest, more = strings.Cut(rest, "_")
				switch {
				case x == "":
					return nil, fmt.Errorf("empty word in %q", a)
				case strings.HasPrefix(x, "="):
					p = append(p, atom{text: strings.ToLower(x[1:]), raw: true})
				case strings.HasSuffix(x, "*"):
					p = append(p, atom{text: fold(strings.TrimSuffix(x, "*")), stem: true})
				default:
					p = append(p, atom{text: fold(x)})
				}
			}
			room = room[:len(room)+len(p)]
			w.phrases = append(w.phrases, p)
			continue
		}
		switch {
		case a == "$":
			w.orEnd = true
		case a == "^":
			return nil, fmt.Errorf("%q: ^ starts a pattern; it is no alternative", p)
		case a == "#":
			w.number = true
		case strings.HasPrefix(a, "*") && len(a) > 2:
			w.suffixes = append(w.suffixes, fold(a[1:]))
		case strings.HasPrefix(a, "="):
			w.raw = append(w.raw, strings.ToLower(a[1:]))
		case strings.HasSuffix(a, "*"):
			s := fold(strings.TrimSuffix(a, "*"))
			if s == "" {
				return nil, fmt.Errorf("empty stem in %q", p)
			}
			w.stems = append(w.stems, s)
		default:
			w.exact = append(w.exact, fold(a))
		}
	}
	return w, nil
}

// scan is a clause marked for one lexicon: for each token, the bits of
// the words that match it.
type scan struct {
	lx   *lexicon
	toks []token
	ids  [][2]int32 // per token: the vocabulary ids of its folded and written forms, -1 if none
	bits []uint64   // per token, stride uint64s
	n    int        // uint64s per token
}

// mark fills s for toks, reusing its buffers.
func (s *scan) mark(lx *lexicon, toks []token) {
	s.lx, s.toks = lx, toks
	s.n = (2*len(lx.words) + 63) / 64
	s.bits = slices.Grow(s.bits[:0], len(toks)*s.n)[:len(toks)*s.n]
	clear(s.bits)
	s.ids = slices.Grow(s.ids[:0], len(toks))[:len(toks)]
	for i, t := range toks {
		row := s.bits[i*s.n : (i+1)*s.n]
		set := func(bits []int32) {
			for _, b := range bits {
				row[b>>6] |= 1 << uint(b&63)
			}
		}
		fid, ok := lx.vocab[t.fold]
		if !ok {
			fid = -1
		} else {
			set(lx.byExact.of(fid))
		}
		rid := fid
		if t.low != t.fold {
			if rid, ok = lx.vocab[t.low]; !ok {
				rid = -1
			}
		}
		if rid >= 0 {
			set(lx.byRaw.of(rid))
		}
		s.ids[i] = [2]int32{fid, rid}
		for k := 1; k <= min(len(t.fold), lx.longest); k++ {
			if lx.stemLen&(1<<uint(min(k, 63))) == 0 {
				continue
			}
			if id, ok := lx.stems[t.fold[:k]]; ok {
				set(lx.byStem.of(id))
			}
		}
		for k := 1; lx.suffixLen != 0 && k <= len(t.fold); k++ {
			if lx.suffixLen&(1<<uint(min(k, 63))) == 0 {
				continue
			}
			if id, ok := lx.suffixes[t.fold[len(t.fold)-k:]]; ok {
				set(lx.bySuffix.of(id))
			}
		}
		if len(lx.numbers) > 0 && isNumber(t.fold) {
			set(lx.numbers)
		}
	}
}

func (s *scan) has(i int, bit int32) bool {
	return s.bits[i*s.n+int(bit>>6)]&(1<<uint(bit&63)) != 0
}

// phraseAt reports whether p matches at token i.
func (s *scan) phraseAt(p []atom, i int) bool {
	if i+len(p) > len(s.toks) {
		return false
	}
	for k, a := range p {
		switch {
		case a.stem:
			if !strings.HasPrefix(s.toks[i+k].fold, a.text) {
				return false
			}
		case a.raw:
			if s.ids[i+k][1] != a.id {
				return false
			}
		default:
			if s.ids[i+k][0] != a.id {
				return false
			}
		}
	}
	return true
}

// candidates returns the cues whose first word may match token i.
func (s *scan) candidates(i int, out []*cue) []*cue {
	row := s.bits[i*s.n : (i+1)*s.n]
	for k, x := range row {
		// Either bit of a word: fold the phrase bits onto the word bits.
		x = (x | x>>1) & 0x5555555555555555
		for x != 0 {
			b := bits.TrailingZeros64(x)
			x &= x - 1
			out = append(out, s.lx.first[(k*64+b)/2]...)
		}
	}
	return out
}

// match tries c at token i and returns the index after the last token it
// matched.
func (s *scan) match(c *cue, i int) (end int, gaps uint64, ok bool) {
	if c.anchored && i != 0 {
		return 0, 0, false
	}
	return s.matchFrom(c.words, i, i)
}

// matchFrom matches ws at token i; base is where the cue started. gaps
// marks (bit k for token base+k) the tokens a gap stood for, so that a
// negation there is told from one the pattern itself holds.
func (s *scan) matchFrom(ws []*word, i, base int) (int, uint64, bool) {
	if len(ws) == 0 {
		return i, 0, true
	}
	w := ws[0]
	switch {
	case w.end:
		if i == len(s.toks) {
			return s.matchFrom(ws[1:], i, base)
		}
		return 0, 0, false
	case w.start:
		if i == 0 {
			return s.matchFrom(ws[1:], i, base)
		}
		return 0, 0, false
	case w.gap > 0:
		for skip := 0; skip <= w.gap && i+skip <= len(s.toks); skip++ {
			if end, gaps, ok := s.matchFrom(ws[1:], i+skip, base); ok {
				for k := i; k < i+skip && k-base < 64; k++ {
					gaps |= 1 << uint(k-base)
				}
				return end, gaps, true
			}
		}
		return 0, 0, false
	}
	if i < len(s.toks) {
		if s.has(i, bitWord(w.id)) {
			if end, gaps, ok := s.matchFrom(ws[1:], i+1, base); ok {
				return end, gaps, true
			}
		}
		if s.has(i, bitPhrase(w.id)) {
			for _, p := range w.phrases {
				if s.phraseAt(p, i) {
					if end, gaps, ok := s.matchFrom(ws[1:], i+len(p), base); ok {
						return end, gaps, true
					}
				}
			}
		}
	}
	if w.optional || w.orEnd && i == len(s.toks) {
		return s.matchFrom(ws[1:], i, base)
	}
	return 0, 0, false
}
