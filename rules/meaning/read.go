package meaning

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/followupd/followupd/internal/core"
	"github.com/followupd/followupd/rules/lang"
)

// Reading is what a customer's words mean to followupd.
type Reading struct {
	// Category is the reading: a complaint, an inquiry, a purchase, a
	// piece of feedback, or Other when the words say none of these.
	Category core.Category
	// Unsure is set when the evidence is close: Category is then
	// core.Inquiry, whose neutral acknowledgement is never wrong, and the
	// owner is told.
	Unsure bool
	// Language is the language the words are written in, "" when it is
	// not one followupd knows; Confident says the text was long and clear
	// enough to trust it (a one-word "Danke!" is not).
	Language  core.Lang
	Confident bool
	// Scores are the weights each reading got, Evidence what gave them.
	Scores   Scores
	Evidence []Evidence
}

// Scores are the summed weights of the evidence for each reading.
type Scores struct {
	Complaint, Inquiry, Purchase, Feedback float64
}

// Evidence is one phrase that counted, or that was looked at and set aside.
type Evidence struct {
	Signal string  `json:"signal"` // problem, fault, demand, ask, intent, praise, ...
	Phrase string  `json:"phrase"` // as the customer wrote it
	Weight float64 `json:"weight"` // what it added to its reading; 0 when set aside
	Note   string  `json:"note,omitempty"`
}

func (e Evidence) String() string {
	s := fmt.Sprintf("%s %q %+.1f", e.Signal, e.Phrase, e.Weight)
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}

// minTrigramsToTrust is how much text makes even an unconfident
// detection worth following (its runners-up are read too).
const minTrigramsToTrust = 25

// shortCandidates is how many of the plausible languages a text too short
// to tell is read in (each with its kin: Danish with Norwegian).
const shortCandidates = 3

// Thresholds of the complaint reading: at or above complaintAt a problem
// is sure; from unsureAt up, it may be one, and followupd says so.
const (
	complaintAt = 2.0
	unsureAt    = 1.0
)

// Input is what Read looks at.
type Input struct {
	Subject string // the customer's subject, "" when it is the shop's own ("Re: Your order has shipped")
	Text    string // the customer's own words: quotes, signatures and forwarded headers removed
	// LanguageHint is a language the message declares (Content-Language),
	// used when the words alone do not tell.
	LanguageHint core.Lang
	// ShopLanguage is the language the shop writes in: a text too short
	// to tell its language is read in it too.
	ShopLanguage core.Lang
	// Replied is the subject of the shop's mail the customer answers
	// ("Your order 58817 has shipped"): the shop's words, so it is never
	// evidence of what the customer means, but an answer to mail about
	// an order, a booking or a repair is about the customer's own.
	Replied string
}

// hit is a cue found in a clause.
type hit struct {
	cue        *cue
	start, end int    // token indexes, end exclusive
	gaps       uint64 // bit k: token start+k was a gap's, not a word of the pattern
	clause     *clause
	weight     float64
	note       string
}

func (h *hit) phrase() string {
	c := h.clause
	return strings.TrimSpace(c.text[c.toks[h.start].start:c.toks[h.end-1].end])
}

// Read reads the customer's words. It never fails: text in an unknown
// language or script is read by its punctuation (a question mark makes an
// inquiry) and by the cues every language shares.
func Read(in Input) Reading { return read(in, loadWeights()) }

// read is Read with the second reader's weights w, or with the cues alone
// when w is nil.
func read(in Input, w *Weights) Reading {
	lexs := lexicons()
	text := clip(in.Text, MaxText)
	subject := clip(in.Subject, maxSubject)
	var r Reading
	det := lang.Detect(subject + "\n" + text)
	r.Language, r.Confident = det.Lang, det.Confident
	if r.Language == "" && in.LanguageHint != "" {
		r.Language = in.LanguageHint
	}
	use := lexiconsFor(lexs, det, in.LanguageHint, in.ShopLanguage)

	clauses := clausesOf(subject, text)
	var hits []*hit
	var m matcher
	for _, c := range clauses {
		m.each(c, use, func(h hit) bool {
			hits = append(hits, &h)
			return true
		})
	}
	hits = dedupe(hits)
	s := score(clauses, hits, aboutTheirs(clip(in.Replied, 1000), use))
	r.Scores, r.Evidence = s.scores, s.evidence
	r.Category, r.Unsure = decide(s)
	if w != nil && det.Lang != "" {
		var ev []Evidence
		r.Category, r.Unsure, ev = reconsider(r.Category, r.Unsure, s.intenseCues > 0, w.read(clauses))
		r.Evidence = append(r.Evidence, ev...)
	}
	return r
}

// matcher finds the cues of a clause, reusing its buffers from clause to
// clause.
type matcher struct {
	sc  scan
	buf []*cue
}

// each calls found with every cue of use that matches in c, in the order
// of the cue files and of the words, until found returns false.
func (m *matcher) each(c *clause, use []*lexicon, found func(hit) bool) {
	for _, lx := range use {
		m.sc.mark(lx, c.toks)
		for i := range c.toks {
			m.buf = m.sc.candidates(i, m.buf[:0])
			for _, cu := range m.buf {
				if end, gaps, ok := m.sc.match(cu, i); ok {
					if !found(hit{cue: cu, start: i, end: end, gaps: gaps, clause: c}) {
						return
					}
				}
			}
		}
	}
}

// kin are languages told apart by a few spellings only (Danish and
// Norwegian): a message in one is read with the cues of both.
var kin = map[core.Lang]core.Lang{core.Danish: core.Norwegian, core.Norwegian: core.Danish}

// lexiconsFor picks the cue sets to read with: the shared one, and the
// language's own when it is clear, else those of the likeliest languages.
// Each language's cues are compiled when first read with.
func lexiconsFor(lexs map[string]*lazyLexicon, det lang.Detection, hint, shop core.Lang) []*lexicon {
	var out []*lexicon
	add := func(code string) {
		if l, ok := lexs[code]; ok {
			lx, _ := l.get() // a file that does not compile is left out; the tests check them all
			if lx == nil {
				return
			}
			for _, have := range out {
				if have == lx {
					return
				}
			}
			out = append(out, lx)
		}
	}
	add("any")
	switch {
	case det.Confident:
		add(string(det.Lang))
		add(string(kin[det.Lang]))
	case det.Trigrams >= minTrigramsToTrust && det.Lang != "":
		// Long enough, but close between languages: read with the
		// likeliest ones (a short Italian "si" is not a Spanish "if").
		add(string(det.Lang))
		add(string(kin[det.Lang]))
		for _, l := range det.Runners {
			add(string(l))
		}
		add(string(hint))
	default:
		// Too short to tell: read with the likeliest languages and the
		// shop's own.
		add(string(hint))
		add(string(shop))
		for i, l := range det.Plausible {
			if i < shortCandidates {
				add(string(l))
				add(string(kin[l]))
			}
		}
		if len(det.Plausible) == 0 {
			// No Latin letters to go by (emoji, another script): the
			// shop's language and English, the one most mail falls back on.
			add(string(core.English))
		}
	}
	return out
}

// dedupe drops a hit that lies within another of the same family
// (problem, fault and demand are one family; the rest each their own)
// with at least its weight, so "arrived broken" is not counted again as
// "broken". Politeness takes the thanks it contains.
func dedupe(hits []*hit) []*hit {
	family := func(s signal) signal {
		switch s {
		case sigFault, sigDemand:
			return sigProblem
		case sigPolite:
			return sigThanks
		}
		return s
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		if a.cue.signal == sigPolite != (b.cue.signal == sigPolite) {
			return a.cue.signal == sigPolite // politeness claims its words first
		}
		if a.cue.weight != b.cue.weight {
			return a.cue.weight > b.cue.weight
		}
		if a.end-a.start != b.end-b.start {
			return a.end-a.start > b.end-b.start
		}
		// Otherwise in reading order, and a language's cues in the order
		// of its files.
		if a.clause.seq != b.clause.seq {
			return a.clause.seq < b.clause.seq
		}
		if a.start != b.start {
			return a.start < b.start
		}
		if a.cue.lang != b.cue.lang {
			return a.cue.lang < b.cue.lang
		}
		return a.cue.n < b.cue.n
	})
	var out []*hit
	kept := map[*clause][]*hit{}
	for _, h := range hits {
		switch h.cue.signal {
		case sigHypo, sigNeg, sigStop:
			// Context marks every place it holds: "what happens, if it
			// breaks" keeps its "if" after the comma.
			out = append(out, h)
			continue
		}
		dup := false
		for _, k := range kept[h.clause] {
			if family(k.cue.signal) == family(h.cue.signal) && h.start < k.end && k.start < h.end {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, h)
			kept[h.clause] = append(kept[h.clause], h)
		}
	}
	// Back in reading order, for the evidence.
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].clause != out[j].clause {
			return out[i].clause.seq < out[j].clause.seq
		}
		return out[i].start < out[j].start
	})
	return out
}

// scoring is the state of one reading.
type scoring struct {
	scores    Scores
	evidence  []Evidence
	problems  float64 // complaint weight before intensity
	anchored  bool
	intense   float64
	asks      int
	fine      bool
	contrast  bool // a problem after a "but": the point of the message
	demand    bool
	demands   []demandWeight   // weighed once every problem is counted
	strongest float64          // the weight of the strongest problem told
	counted   map[*clause]bool // clauses with a problem that counted
	fixed     []*hit
	// elsewhere: the customer says the trouble was not this shop's doing
	// (bought elsewhere, their own accident): the problems they tell weigh
	// less.
	elsewhere []int // the places (clause seq) where they say so
	// ownDoing: the weight of problems told with no such word near them.
	ownDoing float64
	// theirs: the message names something of the customer's from this
	// shop (their order, what they bought or booked, what the shop did),
	// or answers the shop's mail about it.
	theirs    bool
	questions int // sentences that end with a question mark
	// intenseCues: the weight of the words of anger or repetition ("third
	// time", "again", "ridiculous"), whether a problem is told or not.
	intenseCues float64
	thanked     bool // the customer says thank you
	// warmth: the weight of praise and thanks, thanks counted in full
	// even where they are courtesy.
	warmth float64
}

// demandWeight is a demand waiting to be counted: it weighs less when
// no problem is told at all ("I'd like an exchange of the brake pads" is
// a service, not a complaint).
type demandWeight struct {
	h    *hit
	w    float64
	note string
}

// solvedAfter reports a "fixed it", "works again" later in the message
// than h, with no problem told again in between: the problem is over.
func (s *scoring) solvedAfter(h *hit) bool {
	for _, f := range s.fixed {
		if before(h, f) {
			return true
		}
	}
	return false
}

// elsewhereNear reports whether the customer said, in h's sentence or
// one next to it, that the trouble was not this shop's doing.
func (s *scoring) elsewhereNear(h *hit) bool {
	for _, seq := range s.elsewhere {
		if d := seq - h.clause.seq; d >= -elsewhereReach && d <= elsewhereReach {
			return true
		}
	}
	return false
}

// elsewhereOnly reports that every problem told was, by the customer's
// words, another business's doing or their own ("after our last garage
// ripped us off, you were honest"), and nothing is demanded.
func (s *scoring) elsewhereOnly() bool {
	return s.ownDoing == 0 && len(s.elsewhere) > 0 && !s.demand
}

// elsewhereReach is how many sentences away a "bought it elsewhere" or
// "I dropped it" still explains a problem: a customer who says the old
// glasses came from another optician may complain about this shop's
// repair three paragraphs later.
const elsewhereReach = 1

// before reports whether a comes before b in the message.
func before(a, b *hit) bool {
	if a.clause.seq != b.clause.seq {
		return a.clause.seq < b.clause.seq
	}
	return a.start < b.start
}

func (s *scoring) add(h *hit, w float64, note string) {
	s.evidence = append(s.evidence, Evidence{Signal: h.cue.signal.String(), Phrase: h.phrase(), Weight: round(w), Note: note})
}

func round(f float64) float64 { return math.Round(f*100) / 100 }

// aboutTheirs reports a subject of the shop's own mail that is about one
// order, booking or case: it names the customer's own ("your order",
// "Ihre Bestellung") or carries a number of three digits or more ("Order
// 58817 has shipped", "Zgłoszenie serwisowe 5590").
func aboutTheirs(replied string, use []*lexicon) bool {
	if strings.TrimSpace(replied) == "" {
		return false
	}
	run := 0
	for _, r := range replied {
		if r >= '0' && r <= '9' {
			if run++; run >= 3 {
				return true
			}
		} else {
			run = 0
		}
	}
	c := tokenize(replied)
	mine := false
	var m matcher
	m.each(&c, use, func(h hit) bool {
		mine = h.cue.signal == sigMine
		return !mine
	})
	return mine
}

// score weighs the hits of every clause. about: the message answers the
// shop's mail about the customer's own order, booking or case.
func score(clauses []*clause, hits []*hit, about bool) *scoring {
	s := &scoring{counted: map[*clause]bool{}, anchored: about, theirs: about}
	byClause := map[*clause][]*hit{}
	for _, h := range hits {
		byClause[h.clause] = append(byClause[h.clause], h)
	}
	ctx := map[*clause]*clauseContext{}
	for _, c := range clauses {
		ctx[c] = contextOf(c, byClause[c])
	}
	// Anchored: the message is about the customer's own order, bill or
	// visit, or tells of something that happened.
	for _, h := range hits {
		cx := ctx[h.clause]
		switch h.cue.signal {
		case sigMine, sigTime:
			if !cx.hypoBefore(h.start) {
				s.anchored = true
				s.theirs = s.theirs || h.cue.signal == sigMine
			}
		case sigProblem:
			if !cx.hypoBefore(h.start) && !cx.question && !cx.negatedAt(h) {
				s.anchored = true
			}
		}
	}
	for _, h := range hits {
		switch {
		case h.cue.signal == sigFixed && !ctx[h.clause].hypoBefore(h.start) && !ctx[h.clause].negatedAt(h):
			s.fixed = append(s.fixed, h)
		case h.cue.signal == sigElsewhere && !ctx[h.clause].negatedAt(h):
			s.elsewhere = append(s.elsewhere, h.clause.seq)
		}
	}
	caps := 0
	for _, c := range clauses {
		for _, t := range c.toks {
			if t.caps && len(t.fold) >= 4 {
				caps++
			}
		}
		if c.bangs > 0 {
			s.intense += 0.5
		}
	}
	if caps >= 3 {
		s.intense += 0.5
	}
	var thankHits []*hit
	greeted := map[*clause][]*hit{} // small talk, by clause
	for _, h := range hits {
		if h.cue.signal == sigGreet && !ctx[h.clause].negatedAt(h) {
			greeted[h.clause] = append(greeted[h.clause], h)
		}
	}
	for _, h := range hits {
		cx := ctx[h.clause]
		w := h.cue.weight
		switch h.cue.signal {
		case sigProblem, sigFault, sigDemand:
			s.problem(h, cx, w)
		case sigHypo, sigNeg, sigStop, sigMine, sigTime:
			// Context, not evidence of a reading by itself.
		case sigElsewhere:
			if len(s.elsewhere) > 0 {
				s.add(h, 0, "not this shop's doing: the problems told weigh less")
			}
		case sigFixed:
			if slices.Contains(s.fixed, h) {
				s.scores.Feedback += w
				s.add(h, w, "a problem solved")
			}
		case sigPolicy:
			s.scores.Inquiry += w
			s.add(h, w, "")
		case sigGreet:
			if len(greeted[h.clause]) > 0 {
				s.add(h, 0, "small talk, not a question")
			}
		case sigAsk:
			if within(h, greeted[h.clause]) {
				continue // "how are you": no question to answer
			}
			s.asks++
			if s.asks <= 3 {
				s.scores.Inquiry += w
				s.add(h, w, "")
			}
		case sigInquiry:
			s.scores.Inquiry += w
			s.add(h, w, "")
		case sigIntent:
			if cx.hypoBefore(h.start) {
				s.scores.Inquiry += w / 2
				s.add(h, 0, "hypothetical: a question")
				continue
			}
			s.scores.Purchase += w
			s.add(h, w, "")
		case sigPraise, sigSuggest, sigFine:
			if cx.hypoBefore(h.start) {
				s.add(h, 0, "hypothetical")
				continue
			}
			if h.cue.signal == sigPraise && cx.negatedAt(h) {
				s.add(h, 0, "negated") // "the cake was not great"
				continue
			}
			if h.cue.signal == sigFine {
				s.fine = true
			}
			s.scores.Feedback += w
			s.warmth += w
			s.add(h, w, "")
		case sigThanks:
			s.thanked = true
			thankHits = append(thankHits, h)
		case sigPolite:
			s.add(h, 0, "politeness, not feedback")
		case sigIntense:
			s.intense += w
			s.intenseCues += w
			s.add(h, w, "intensity: counts only with a problem")
		}
	}
	told := s.problems > 0
	for _, d := range s.demands {
		w, note := d.w, d.note
		if !told {
			w, note = w*0.6, "no problem told"
		}
		s.problems += w
		s.add(d.h, w, note)
	}
	// Questions the customer asks, by their punctuation, in every language.
	for _, c := range clauses {
		if c.question {
			s.questions++
		}
		if c.question && !s.counted[c] && !smallTalk(byClause[c], greeted[c]) {
			s.scores.Inquiry += 1
			s.evidence = append(s.evidence, Evidence{Signal: "question", Phrase: shorten(c.text), Weight: 1})
		}
	}
	// Thanks are the point of a message that asks nothing and orders
	// nothing; otherwise they are courtesy.
	for _, h := range thankHits {
		w := h.cue.weight
		note := ""
		s.warmth += w
		if s.scores.Inquiry >= 1 || s.scores.Purchase > 0 || s.problems > 0 && !s.elsewhereOnly() {
			w, note = w/3, "courtesy beside a request"
		}
		s.scores.Feedback += w
		s.add(h, w, note)
	}
	if s.problems > 0 {
		boost := math.Min(s.intense, 1.5)
		if s.ownDoing == 0 {
			boost *= 0.4 // anger about another shop's doing is not about this one
		}
		if boost > 0 {
			s.evidence = append(s.evidence, Evidence{Signal: "intensity", Phrase: "", Weight: round(boost)})
		}
		s.scores.Complaint = s.problems + boost
	}
	s.scores.Complaint, s.scores.Inquiry = round(s.scores.Complaint), round(s.scores.Inquiry)
	s.scores.Purchase, s.scores.Feedback = round(s.scores.Purchase), round(s.scores.Feedback)
	return s
}

// within reports whether h lies inside one of spans.
func within(h *hit, spans []*hit) bool {
	for _, sp := range spans {
		if h.start >= sp.start && h.end <= sp.end {
			return true
		}
	}
	return false
}

// smallTalk reports a question that is only small talk: a greeting
// ("Hi Zé, how's it going?") holds no question to answer. A clause that
// also asks something ("how are you, and do you deliver?") is a question.
// hits are the clause's cues, greets its small talk.
func smallTalk(hits, greets []*hit) bool {
	if len(greets) == 0 {
		return false
	}
	for _, h := range hits {
		switch h.cue.signal {
		case sigGreet, sigNeg, sigStop, sigThanks, sigPolite:
		default:
			if !within(h, greets) {
				return false
			}
		}
	}
	return true
}

// problem weighs a problem, fault or demand cue in its context.
func (s *scoring) problem(h *hit, cx *clauseContext, w float64) {
	switch {
	case cx.negatedAt(h):
		s.add(h, 0, "negated")
		return
	case cx.hypoBefore(h.start):
		s.scores.Inquiry += 0.5
		s.add(h, 0, "hypothetical: a question, not a problem")
		return
	case cx.policy && (cx.question || h.clause.question) && !cx.mine && !cx.time:
		s.scores.Inquiry += 0.5
		s.add(h, 0, "a question about how things work")
		return
	case s.solvedAfter(h):
		s.add(h, 0, "solved since")
		s.scores.Feedback += 0.5
		return
	}
	if cx.contrastBefore(h.start) {
		s.contrast = true
	}
	note := ""
	switch h.cue.signal {
	case sigFault:
		switch {
		case cx.mine || cx.time || h.clause.subject && !cx.question:
		case s.anchored && !cx.question:
		case s.anchored:
			w, note = w*0.6, "in a question"
		case cx.question:
			s.scores.Inquiry += 0.5
			s.add(h, 0, "in a question, about nothing of theirs")
			return
		default:
			w, note = w*0.6, "not about anything of theirs"
		}
	case sigProblem:
		if cx.question && !s.anchored && !cx.mine && !cx.time {
			w, note = w*0.6, "in a question"
		}
	case sigDemand:
		s.demand = true
		s.demands = append(s.demands, demandWeight{h, w, note})
		return
	}
	if s.elsewhereNear(h) && h.cue.signal != sigDemand {
		w, note = w*0.4, strings.TrimPrefix(note+"; not this shop's doing", "; ")
	} else {
		s.ownDoing += w
	}
	s.problems += w
	s.strongest = math.Max(s.strongest, w)
	s.counted[h.clause] = true
	s.add(h, w, note)
}

// clauseContext is what a clause says about the cues in it.
type clauseContext struct {
	hypo       []int             // token indexes where a condition starts
	negs       []negation        // where negations end, and in which language
	negTok     map[negation]bool // every token a negation of a language covers
	stops      []int
	policy     bool
	question   bool
	mine, time bool
	hasProblem bool
	toks       []token
}

func contextOf(c *clause, hits []*hit) *clauseContext {
	cx := &clauseContext{question: c.question, toks: c.toks, negTok: map[negation]bool{}}
	var stopSpans [][2]int
	var politeEnds []int
	for _, h := range hits {
		switch h.cue.signal {
		case sigStop:
			stopSpans = append(stopSpans, [2]int{h.start, h.end})
		case sigPolite:
			politeEnds = append(politeEnds, h.end)
		}
	}
	for _, h := range hits {
		if h.cue.signal == sigHypo {
			concessive := false
			for _, sp := range stopSpans {
				if h.start >= sp[0] && h.start < sp[1] {
					concessive = true // "even if", "même si", "anche se"
				}
			}
			for _, end := range politeEnds {
				if h.start >= end && h.start-end <= 1 {
					// "I would be grateful if you could send a corrected
					// invoice", "ich wäre dankbar, wenn": a request
					// asked politely, not a condition.
					concessive = true
				}
			}
			if !concessive {
				cx.hypo = append(cx.hypo, h.start)
			}
			continue
		}
		switch h.cue.signal {
		case sigNeg:
			cx.negs = append(cx.negs, negation{h.end - 1, h.cue.lang})
			for k := h.start; k < h.end; k++ {
				cx.negTok[negation{k, h.cue.lang}] = true
			}
		case sigStop:
			cx.stops = append(cx.stops, h.start)
		case sigPolicy:
			cx.policy = true
		case sigAsk:
			cx.question = true
		case sigMine:
			cx.mine = true
		case sigTime:
			cx.time = true
		case sigProblem, sigFault, sigDemand:
			cx.hasProblem = true
		}
	}
	return cx
}

// negation is a negation's token in a sentence, and the language of the
// cue file that knows it.
type negation struct {
	pos  int
	lang string
}

// hypoBefore reports a condition earlier in the clause than token i whose
// reach is not ended by a "but" or "because", or a comma, in between ("if
// it breaks, can I return it" and "what if it arrives damaged" are
// questions; "if possible, send a new one, the old one came broken" is not).
func (cx *clauseContext) hypoBefore(i int) bool {
	for _, h := range cx.hypo {
		if h > i {
			continue
		}
		ended := false
		for _, st := range cx.stops {
			if st > h && st < i {
				ended = true
			}
		}
		for j := h + 1; j <= i && j < len(cx.toks); j++ {
			if cx.toks[j].comma {
				ended = true
			}
		}
		if !ended {
			return true
		}
	}
	return false
}

// contrastBefore reports a "but", "however", "unfortunately" before token
// i in the clause: what follows it is the point of the sentence.
func (cx *clauseContext) contrastBefore(i int) bool {
	for _, st := range cx.stops {
		if st < i {
			return true
		}
	}
	return false
}

// negScope is how many words before a cue a negation reaches.
const negScope = 4

// negatedAt reports a negation shortly before h, in the same stretch of
// the clause (no comma or "but" between), unless the cue holds its own
// negation ("not arrived").
func (cx *clauseContext) negatedAt(h *hit) bool {
	inGap := false
	for k := h.start; k < h.end; k++ {
		if !cx.negTok[negation{k, h.cue.lang}] {
			continue
		}
		if k-h.start < 64 && h.gaps&(1<<uint(k-h.start)) != 0 {
			// "the parcel was not damaged": a negation in the words a
			// gap of the pattern stood for.
			inGap = true
		} else {
			return false // the pattern's own negation: "has not arrived"
		}
	}
	if inGap {
		return true
	}
	for _, ng := range cx.negs {
		// A language's negations negate its own cues: a Spanish "no" is
		// no negation in Portuguese ("no pacote": in the parcel).
		n := ng.pos
		if ng.lang != h.cue.lang || n >= h.start || h.start-n > negScope {
			continue
		}
		blocked := false
		for i := n + 1; i <= h.start; i++ {
			if cx.toks[i].comma {
				blocked = true
			}
		}
		for _, st := range cx.stops {
			if st > n && st < h.start {
				blocked = true
			}
		}
		if !blocked {
			return true
		}
	}
	return false
}

// decide turns the scores into a reading.
func decide(s *scoring) (core.Category, bool) {
	sc := s.scores
	// Trouble the customer says was another business's is no hint of
	// trouble with this one: it neither makes them unsure nor keeps
	// thanks from being thanks.
	elsewhereOnly := s.elsewhereOnly()
	switch {
	case sc.Complaint >= complaintAt && sc.Feedback >= 2*sc.Complaint && !s.contrast && !s.demand && s.strongest < 2.5:
		// Warm praise around one mild problem word ("you've ruined
		// supermarket bread for me"): neither an apology nor thanks for
		// praise is safe; answer neutrally and let the owner see it.
		return core.Inquiry, true
	case sc.Complaint >= complaintAt && !s.theirs && !s.demand && s.questions >= 2 && sc.Inquiry > sc.Complaint:
		// Questions about a job to be done, with the trouble that makes
		// them ask ("the brakes barely work: do you repair cargo bikes?
		// what would it cost?"), nothing of theirs from this shop named
		// (an order, what they bought, what the shop did) and nothing
		// demanded: perhaps a complaint, more likely a new customer.
		// Answer neutrally and let the owner see it.
		return core.Inquiry, true
	case sc.Complaint >= complaintAt && s.warmth >= s.problems && !s.contrast && !s.demand && s.questions == 0:
		// A thank-you note that tells the trouble it was about ("the
		// stain I thought would never come out is gone, thank you"),
		// with no "but", nothing asked and nothing demanded: an apology
		// would be wrong if it is thanks, thanks wrong if it is not.
		return core.Inquiry, true
	case sc.Complaint >= complaintAt && elsewhereOnly:
		// Much trouble, all of it another business's ("at the dealer we
		// waited three weeks, the bill was double, nobody called back"):
		// most likely praise by contrast, but the owner should see it.
		return core.Inquiry, true
	case sc.Complaint >= complaintAt:
		return core.Complaint, false
	case sc.Complaint >= unsureAt && !elsewhereOnly:
		return core.Inquiry, true
	}
	var cat core.Category
	switch {
	case sc.Purchase >= 1 && sc.Purchase >= sc.Feedback && 2*sc.Purchase >= sc.Inquiry:
		// An order with a question about it is an order; questions with a
		// word of booking in them are questions.
		cat = core.Purchase
	case sc.Feedback >= 1 && sc.Feedback >= 2*sc.Inquiry:
		// Thanks with a question is a question: it wants an answer.
		cat = core.Feedback
	case sc.Inquiry > 0 || sc.Purchase > 0 || sc.Feedback > 0:
		cat = core.Inquiry
	default:
		cat = core.Other
	}
	// A hint of a problem keeps an upset customer from being thanked for
	// a purchase or asked for a rating.
	if sc.Complaint > 0 && (cat == core.Purchase || cat == core.Feedback) && !elsewhereOnly {
		return core.Inquiry, true
	}
	// Praise or an order beside words of anger or repetition ("Bravo,
	// third time this week your courier 'couldn't find me'", "tuned three
	// weeks ago and it sounds like before again") is as likely sarcasm or
	// trouble told in words no cue knows: neither thanks nor a rating
	// request is safe.
	if s.intenseCues >= 1 && !s.thanked && (cat == core.Purchase || cat == core.Feedback) {
		return core.Inquiry, true
	}
	return cat, false
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return s
}
