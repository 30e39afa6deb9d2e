package lang

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/followupd/followupd/internal/core"
)

func TestEveryLanguageHasAProfile(t *testing.T) {
	md := load()
	if len(md.langs) != len(core.Langs) {
		t.Fatalf("%d profiles for %d languages: %v", len(md.langs), len(core.Langs), md.langs)
	}
}

// Sentences written for this test, not taken from the profiles.
func TestDetectTellsTheElevenLanguagesApart(t *testing.T) {
	for _, tt := range []struct {
		lang core.Lang
		text string
	}{
		{core.English, "Hi there, I ordered a pair of walking boots last Tuesday and wanted to ask when they will be sent out."},
		{core.German, "Guten Tag, ich habe letzte Woche ein Paar Wanderschuhe bestellt und wollte fragen, wann sie verschickt werden."},
		{core.French, "Bonjour, j'ai commandé une paire de chaussures de randonnée mardi dernier et je voulais savoir quand elles partiront."},
		{core.Spanish, "Hola, pedí unas botas de montaña el martes pasado y quería saber cuándo las van a enviar, muchas gracias."},
		{core.Italian, "Buongiorno, martedì scorso ho ordinato un paio di scarponi da trekking e volevo sapere quando verranno spediti."},
		{core.Dutch, "Goedendag, ik heb vorige dinsdag een paar wandelschoenen besteld en wilde vragen wanneer ze verstuurd worden."},
		{core.Portuguese, "Olá, encomendei um par de botas de caminhada na terça-feira passada e queria saber quando vão ser enviadas."},
		{core.Polish, "Dzień dobry, w zeszły wtorek zamówiłam buty trekkingowe i chciałam zapytać, kiedy zostaną wysłane."},
		{core.Swedish, "Hej, jag beställde ett par vandringskängor i tisdags och undrar när de kommer att skickas iväg."},
		{core.Danish, "Hej, jeg bestilte et par vandrestøvler i tirsdags og ville gerne høre, hvornår de bliver sendt afsted."},
		{core.Norwegian, "Hei, jeg bestilte et par fjellstøvler på tirsdag og lurer på når de blir sendt, det haster litt før ferien."},
	} {
		d := Detect(tt.text)
		if d.Lang != tt.lang || !d.Confident {
			t.Errorf("%s text read as %q (confident %v, margin %.2f): %q", tt.lang, d.Lang, d.Confident, d.Margin, tt.text)
		}
	}
}

func TestAShortOrForeignTextIsNotConfident(t *testing.T) {
	for _, text := range []string{"Danke!", "ok", "Order #4412", "", "12345 67890", "お世話になっております。在庫はありますか。", "Γεια σας, πότε θα φτάσει;"} {
		if d := Detect(text); d.Confident {
			t.Errorf("%q read confidently as %s", text, d.Lang)
		}
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", "Danke!", "Bonjour, je voudrais commander", strings.Repeat("ab ", 3000), "\xff\xfe", "日本語のテキスト"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Detect(s)
		if d.Lang != "" && !d.Lang.Known() {
			t.Fatalf("unknown language %q", d.Lang)
		}
		if d.Confident && d.Lang == "" {
			t.Fatal("confident about no language")
		}
		_ = utf8.ValidString(string(d.Lang))
	})
}
