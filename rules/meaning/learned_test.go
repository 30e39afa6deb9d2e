package meaning

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/followupd/followupd/internal/core"
)

func TestTheLearnedWeightsLoad(t *testing.T) {
	w := loadWeights()
	if learnedErr != nil || w == nil {
		t.Fatalf("learned/weights.tsv: %v", learnedErr)
	}
	if len(w.byHash) < 1000 {
		t.Fatalf("learned/weights.tsv has %d features; the corpus teaches thousands", len(w.byHash))
	}
}

// Trouble told in words no cue holds: the cues leave it at an inquiry,
// the second reader hears the complaint and says which words weighed.
func TestTheSecondReaderHearsTroubleNoCueKnows(t *testing.T) {
	for _, text := range []string{
		"Hello, we ordered the oak table from you in September and paid the deposit. The delivery date was moved twice and on Friday the driver rang to say it is now January. We have twenty people coming for Christmas. Can you tell me honestly when it will come? Thanks, Ruth",
		"Hallo, vorige week heb ik bij jullie een wasmachine laten installeren. Sinds gisteren staat er elke keer na het wassen een plas water onder. Kunnen jullie deze week nog langskomen? Groeten, Bram",
	} {
		in := Input{Text: text}
		if cues := read(in, nil); cues.Category == core.Complaint {
			t.Fatalf("the cues alone read a complaint in %q; the test wants one they miss", text)
		}
		r := Read(in)
		if r.Category != core.Complaint || r.Unsure {
			t.Errorf("%q: read %s (unsure %v), want a complaint\n%v", text, r.Category, r.Unsure, r.Evidence)
			continue
		}
		var learned []Evidence
		for _, e := range r.Evidence {
			if e.Signal == "learned" {
				learned = append(learned, e)
			}
		}
		if len(learned) < 2 || !strings.HasPrefix(learned[0].Phrase, "complaint ") || learned[1].Weight <= 0 {
			t.Errorf("%q: the evidence does not say what the second reader weighed: %v", text, r.Evidence)
		}
		for _, e := range learned[1:] {
			if !telling(e.Phrase) {
				t.Errorf("%q: the evidence shows %q, which tells the owner nothing", text, e.Phrase)
			}
		}
	}
}

// A line or two is too little for the second reader: it is not heard.
func TestTheSecondReaderIsNotHeardOnALine(t *testing.T) {
	for _, text := range []string{"Order 1042 picked up today, thanks!", "Where is my order?", "Danke!"} {
		for _, e := range Read(Input{Text: text}).Evidence {
			if e.Signal == "learned" {
				t.Errorf("%q: the second reader was heard: %v", text, e)
			}
		}
	}
}

// opinionOf is an opinion giving pc to a complaint, pf to feedback (or,
// when pf is 0, an equal share of the rest) and the rest to the others.
func opinionOf(pc, pf float64, known int) opinion {
	if pf == 0 {
		pf = (1 - pc) / 3
	}
	rest := (1 - pc - pf) / 2
	return opinion{p: [nClasses]float64{pc, rest, rest, pf}, known: known, w: &Weights{}}
}

func TestReconsiderMovesOnlyOnAClearOpinion(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cat        core.Category
		unsure     bool
		heated     bool
		pc, pf     float64
		known      int
		want       core.Category
		wantUnsure bool
	}{
		{"an inquiry it reads as a complaint", core.Inquiry, false, false, 0.7, 0, 40, core.Complaint, false},
		{"an unsure reading it reads as a complaint", core.Inquiry, true, false, 0.7, 0, 40, core.Complaint, false},
		{"an inquiry it doubts", core.Inquiry, false, false, 0.5, 0, 40, core.Inquiry, false},
		{"a complaint it finds nothing of", core.Complaint, false, false, 0.01, 0, 40, core.Inquiry, true},
		{"a complaint it doubts a little", core.Complaint, false, false, 0.25, 0, 40, core.Complaint, false},
		{"thanks it reads as a likely complaint", core.Feedback, false, false, 0.55, 0, 40, core.Inquiry, true},
		{"an order it is all but sure is a complaint", core.Purchase, false, false, 0.9, 0, 40, core.Complaint, false},
		{"thanks it agrees with", core.Feedback, false, false, 0.1, 0, 40, core.Feedback, false},
		{"too few words to hear it", core.Inquiry, false, false, 0.99, 0, minKnown - 1, core.Inquiry, false},
		{"other stays other", core.Other, false, false, 0.99, 0, 40, core.Other, false},
		{"an unsure reading it is all but sure is thanks", core.Inquiry, true, false, 0.01, 0.95, 40, core.Feedback, false},
		{"an unsure reading it is all but sure is thanks, with anger", core.Inquiry, true, true, 0.01, 0.95, 40, core.Inquiry, true},
		{"an unsure reading it reads as thanks with a doubt", core.Inquiry, true, false, 0.08, 0.9, 40, core.Inquiry, true},
		{"a sure inquiry it reads as thanks", core.Inquiry, false, false, 0.01, 0.95, 40, core.Inquiry, false},
	} {
		got, unsure, ev := reconsider(tt.cat, tt.unsure, tt.heated, opinionOf(tt.pc, tt.pf, tt.known))
		if got != tt.want || unsure != tt.wantUnsure {
			t.Errorf("%s: %s (unsure %v), want %s (unsure %v)", tt.name, got, unsure, tt.want, tt.wantUnsure)
		}
		if moved := got != tt.cat || unsure != tt.unsure; moved != (len(ev) > 0) {
			t.Errorf("%s: moved %v but evidence %v", tt.name, moved, ev)
		}
	}
}

// Learn learns what it is shown, and the weights survive being written
// and read back.
func TestLearnLearnsAndRoundTrips(t *testing.T) {
	var exs []Example
	for _, e := range []struct {
		cat   core.Category
		texts []string
	}{
		{core.Complaint, []string{"the parcel arrived broken and late", "my order arrived broken", "the vase arrived broken, two weeks late", "still broken after the repair"}},
		{core.Inquiry, []string{"do you deliver to Oslo?", "what are your opening hours?", "do you sell gift cards?", "what does delivery cost?"}},
		{core.Purchase, []string{"please reserve two loaves for Friday", "please reserve a table for four", "please reserve the blue one", "I'd like to reserve a cake"}},
		{core.Feedback, []string{"thank you, lovely flowers", "thank you so much, lovely service", "lovely bread, thank you", "thank you for the lovely cake"}},
	} {
		for _, s := range e.texts {
			exs = append(exs, Example{Text: s, Category: e.cat})
		}
	}
	a := Learn(exs)
	var wa bytes.Buffer
	if _, err := a.WriteTo(&wa); err != nil {
		t.Fatal(err)
	}
	back, err := ReadWeights(strings.NewReader(wa.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.W) != len(a.W) {
		t.Fatalf("read back %d features, wrote %d", len(back.W), len(a.W))
	}
	for k, v := range a.W {
		for c := range v {
			if math.Abs(back.W[k][c]-v[c]) > 1e-4 {
				t.Fatalf("%s: read back %v, wrote %v", k, back.W[k], v)
			}
		}
	}
	for text, want := range map[string]core.Category{
		"it arrived broken":  core.Complaint,
		"do you deliver?":    core.Inquiry,
		"please reserve one": core.Purchase,
		"thank you, lovely":  core.Feedback,
	} {
		if got := back.read(clausesOf("", text)).best(); got != want {
			t.Errorf("%q: the learned weights read %s, want %s", text, got, want)
		}
	}
}

func TestReadWeightsRejectsABrokenFile(t *testing.T) {
	for _, bad := range []string{
		"bias\t1\t2\t3\n",
		"bias\t0\t0\t0\t0\nw:x\t1\t2\t3\tfour\n",
		"bias\t0\t0\t0\t0\nw:x\t1\t2\t3\tNaN\n",
		"bias\t0\t0\t0\t0\nw:x\t1\t2\t3\t+Inf\n",
		"w:x\t1\t2\t3\t4\n",
		"bias\t0\t0\t0\t0\nw:x\t1\t2\t3\t4\nw:x\t1\t2\t3\t4\n",
		"bias\t0\t0\t0\t0\nbias\t0\t0\t0\t0\n",
	} {
		if _, err := ReadWeights(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
