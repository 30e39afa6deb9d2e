package meaning

import (
	"strings"
	"testing"
)

// optOutCases are shared with TestStemWindowsFindWhatTheFullScanFinds.
var optOutCases = []struct {
	subject, text string
	want          bool
}{
	// Commands, as subject or whole message.
	{"STOP", "", true},
	{"Re: Unsubscribe", "", true},
	{"Re: How was your visit?", "STOP", true},
	{"Re: How was your visit?", "Stop!!!", true},
	{"Re: How was your visit?", "Please stop.", true},
	{"Re: How was your visit?", "unsubscribe me please", true},
	{"Re: How was your visit?", "Remove", true},
	{"AW: Ihr Besuch", "Abmelden bitte", true},
	{"Re: Votre visite", "désabonner", true},
	{"Re: Su visita", "Baja", true},
	{"Re: La tua visita", "Cancellami", true},
	{"Re:", "Uitschrijven", true},
	{"SV: Ditt besök", "Avregistrera", true},
	{"Odp: Twoja wizyta", "Wypisz", true},
	// Requests inside longer text.
	{"Re: Checking in", "Please remove me from your mailing list.", true},
	{"Re: Checking in", "Hi, could you take me off your list? Thanks.", true},
	{"Re: Checking in", "No more emails please, I moved away.", true},
	{"Re: Checking in", "Don't email me again.", true},
	{"Re: Checking in", "Please stop emailing me, I was never a customer.", true},
	{"Re: Checking in", "Stop sending me these follow-ups.", true},
	{"Re: Checking in", "I do not want any more emails from you.", true},
	{"Re: Checking in", "How do I unsubscribe from these messages?", true},
	{"Re: Checking in", "Kindly opt me out.", true},
	{"AW: Nachfrage", "Bitte keine E-Mails mehr an diese Adresse.", true},
	{"AW: Nachfrage", "Bitte vom Newsletter abmelden, danke.", true},
	{"AW: Nachfrage", "Bitte tragen Sie mich aus Ihrem Verteiler aus.", true},
	{"Re: Votre visite", "Je souhaite me désinscrire de votre liste.", true},
	{"Re: Votre visite", "Merci de ne plus m'écrire.", true},
	{"Re: Votre visite", "Je ne veux plus recevoir vos messages.", true},
	{"RE: Su visita", "Quiero darme de baja de su lista.", true},
	{"RE: Su visita", "No más correos, por favor.", true},
	{"R: La tua visita", "Non voglio più ricevere queste email.", true},
	{"R: La tua visita", "Per favore disiscrivimi.", true},
	{"RE: Sua visita", "Por favor, quero descadastrar meu e-mail.", true},
	{"RE: Sua visita", "Gostaria de cancelar inscrição.", true},
	{"Re: Uw bezoek", "Graag afmelden voor de nieuwsbrief.", true},
	{"Re: Uw bezoek", "Schrijf me uit alstublieft.", true},
	{"SV: Ditt besök", "Sluta skicka mejl till mig.", true},
	{"Odp: Twoja wizyta", "Proszę, usuń mnie z listy.", true},
	{"Re: Vaše návštěva", "Chci se odhlásit z odběru.", true},

	// Not opt-outs.
	{"Brakes", "The brakes won't stop squeaking since the repair.", false},
	{"Re: Appointment", "Can you stop by Tuesday?", false},
	{"Order 123", "My order hasn't shipped, please don't stop looking into it.", false},
	{"Re: Checking in", "Please remove the extra item from my order.", false},
	{"Re: Checking in", "I accidentally clicked unsubscribe, please keep me on the list!", false},
	{"Re: Checking in", "I don't want to unsubscribe, I love the tips.", false},
	{"Re: Checking in", "Can I opt out of the extended warranty?", false},
	{"Re: Checking in", "Don't email me before Tuesday, I'm travelling.", false},
	{"Stopped working", "The pump stopped working after two days.", false},
	{"Re: Checking in", "Where is the stop on your bus line?", false},
	{"Bus stop", "Is your shop near the bus stop?", false},
	{"Re: Kurs", "Wie kann ich meinen Sohn vom Kurs abmelden?", false},
	{"Re: Checking in", "Thanks, all good. See you next week!", false},
	{"", "", false},
}

func TestWantsOptOut(t *testing.T) {
	tests := optOutCases
	for _, tt := range tests {
		if got := WantsOptOut(tt.subject, tt.text); got != tt.want {
			t.Errorf("WantsOptOut(%q, %q) = %v, want %v", tt.subject, tt.text, got, tt.want)
		}
	}
}

// TestStemWindowsFindWhatTheFullScanFinds keeps optOutStems in step with
// optOutRe: scanning only the windows around stems must find a request
// wherever scanning the whole text does, also deep inside long mail.
func TestStemWindowsFindWhatTheFullScanFinds(t *testing.T) {
	filler := strings.Repeat("The bell rattles on cobblestones and I would like it fixed before Saturday. ", 20)
	for _, tt := range optOutCases {
		for _, text := range []string{tt.text, filler + tt.text, tt.text + " " + filler, filler + tt.text + " " + filler} {
			lower := strings.ToLower(text)
			full := hasOptOutRequest(lower, true)
			windowed := hasOptOutRequest(lower, false)
			if full != windowed {
				t.Errorf("%.80q: the full scan says %v, the stem windows %v (add a stem to optOutStems)", tt.text, full, windowed)
			}
		}
	}
}

func TestEveryOptOutPatternHasAStem(t *testing.T) {
	if len(optOutPatterns) < 50 {
		t.Fatalf("only %d patterns: the split of optOutSource went wrong", len(optOutPatterns))
	}
	for _, p := range optOutPatterns {
		if len(p.stems) == 0 {
			t.Errorf("pattern %s contains no stem of optOutStems: it would never run", p.re)
		}
	}
}
