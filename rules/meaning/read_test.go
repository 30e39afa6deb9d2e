package meaning

import (
	"strings"
	"testing"

	"github.com/followupd/followupd/internal/core"
)

func TestEveryCueFileCompiles(t *testing.T) {
	lexs, err := loadLexicons()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range core.Langs {
		if lexs[string(l)] == nil {
			t.Errorf("no cue file for %s (lexicon/%s.txt)", l, l)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, s := range []string{"", "?", "Where is my order? I ordered three weeks ago.", "Ich warte seit zwei Wochen auf meine Bestellung",
		strings.Repeat("x", 20000), "don't can't won't n't ' ’", "#### ~~ $$ ^^ ** @@", "😡😡😡 !!!", "\xff\xfe\xfd"} {
		f.Add("Subject", s)
	}
	f.Fuzz(func(t *testing.T, subject, text string) {
		r := Read(Input{Subject: subject, Text: text})
		if r.Unsure && r.Category != core.Inquiry {
			t.Fatalf("unsure reading %s", r.Category)
		}
		if !r.Category.Valid() {
			t.Fatalf("category %q", r.Category)
		}
	})
}

func TestBadInputIsReadNeverDropped(t *testing.T) {
	for _, tt := range []struct {
		name          string
		subject, text string
		want          core.Category
	}{
		{"an unknown script with a question mark is an inquiry", "在庫", "青い自転車の在庫はありますか？", core.Inquiry},
		{"Cyrillic with a question mark is an inquiry", "Вопрос", "Здравствуйте, когда вы открыты в субботу?", core.Inquiry},
		{"an unknown script without one is nothing yet", "", "お世話になっております。", core.Other},
		{"an empty body reads the subject", "Broken lid on my teapot", "", core.Complaint},
		{"a subject alone can be a question", "Open on Sunday?", "", core.Inquiry},
		{"nothing at all", "", "", core.Other},
		{"a 1 MB single line is read from its start", "", strings.Repeat("Where is my order? I ordered three weeks ago and it still has not arrived. ", 14000), core.Complaint},
		{"past the first 16 KiB nothing counts", "", strings.Repeat("a ", 9000) + "it arrived broken and I want a refund", core.Other},
	} {
		r := Read(Input{Subject: tt.subject, Text: tt.text})
		if r.Category != tt.want {
			t.Errorf("%s: %s (unsure %v), want %s; evidence %v", tt.name, r.Category, r.Unsure, tt.want, r.Evidence)
		}
	}
}

// TestAbbreviationsDoNotEndASentence: "ca. 20", "z. B.", "Dr. Pérez" stay
// in their sentence, so a cue sees the whole of it; a full stop before a
// new sentence still ends one.
func TestAbbreviationsDoNotEndASentence(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"Bestellt hatten wir ca. 30 Stück, gekommen sind nur 20.", 1},
		{"Das war z. B. bei der Torte so.", 1},
		{"Please thank Dr. Pérez for me.", 1},
		{"We were approx. 40 guests.", 1},
		{"Die Jacke ist in Größe M. Drin war aber eine XL.", 2},
		{"It came on Monday. no box, nothing.", 2},
		{"I paid the invoice no. 4411 twice.", 1},
		{"Jeg har bestilt jakken i str. L, men det er en S.", 1},
	} {
		if got := sentences(tt.text); len(got) != tt.want {
			t.Errorf("%q: %d sentences %q, want %d", tt.text, len(got), got, tt.want)
		}
	}
}

// "I would be grateful if you could ..." asks for something: the "if" is
// no hypothesis that makes the trouble after it a question: the cues read
// the complaint. (The second reader, which hears the thanks and the praise
// around it, makes this one unsure: the neutral answer, and the owner is
// told.)
func TestAPoliteRequestIsNoCondition(t *testing.T) {
	in := Input{Text: "Thank you for the invoice for our stay. I would be grateful if you could send a corrected invoice without the cleaning fee " +
		"that nobody mentioned when we booked. We loved the room."}
	cues := read(in, nil)
	if cues.Category != core.Complaint {
		t.Errorf("the cues read %s, want a complaint; evidence %v", cues.Category, cues.Evidence)
	}
	for _, e := range cues.Evidence {
		if strings.Contains(e.Note, "hypothetical") {
			t.Errorf("%v: the polite if made it a question", e)
		}
	}
}
