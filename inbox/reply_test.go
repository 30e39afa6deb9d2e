package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOwnTextKeepsOnlyTheSendersWords(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"plain", "Thanks, that works.\n", "Thanks, that works."},
		{"gmail english", "Thanks Pam, see you Tuesday.\n\nOn Mon, 2 Mar 2026 at 10:00, Pam Smith <pam@example.test> wrote:\n> Hi Dana,\n> shall we meet?\n", "Thanks Pam, see you Tuesday."},
		{"gmail wrapped attribution", "Yes please.\n\nOn Mon, Mar 2, 2026 at 10:00 AM Pam Smith <\npam@example.test> wrote:\n\n> Would you like a call?\n", "Yes please."},
		{"no quote marks below attribution", "Sounds good.\n\nOn 2 Mar 2026, at 10:00, Pam <pam@example.test> wrote:\n\nHi Dana, would you like a call?\nPam\n", "Sounds good."},
		{"german", "Danke, passt so.\n\nAm 02.03.2026 um 10:00 schrieb Pam Smith <pam@example.test>:\n> Hallo Dana,\n", "Danke, passt so."},
		{"french", "Merci beaucoup !\n\nLe lun. 2 mars 2026 à 10:00, Pam <pam@example.test> a écrit :\n> Bonjour,\n", "Merci beaucoup !"},
		{"spanish", "Perfecto, gracias.\n\nEl lun, 2 mar 2026 a las 10:00, Pam (<pam@example.test>) escribió:\n> Hola,\n", "Perfecto, gracias."},
		{"italian", "Va bene, grazie.\n\nIl giorno lun 2 mar 2026 alle ore 10:00 Pam <pam@example.test> ha scritto:\n> Ciao,\n", "Va bene, grazie."},
		{"portuguese", "Combinado.\n\nEm seg., 2 de mar. de 2026 às 10:00, Pam <pam@example.test> escreveu:\n> Olá,\n", "Combinado."},
		{"dutch", "Prima, dank je.\n\nOp ma 2 mrt 2026 om 10:00 schreef Pam <pam@example.test>:\n> Hoi,\n", "Prima, dank je."},
		{"swedish", "Tack!\n\nDen mån 2 mars 2026 kl 10:00 skrev Pam <pam@example.test>:\n> Hej,\n", "Tack!"},
		{"polish", "Dziękuję.\n\nW dniu 2.03.2026 o 10:00, Pam <pam@example.test> napisał:\n> Cześć,\n", "Dziękuję."},
		{"iso gmail", "Ok!\n\n2026-03-02 10:00 GMT+01:00 Pam Smith <pam@example.test>:\n> Hallo\n", "Ok!"},
		{"outlook original message", "Please send the invoice again.\n\n-----Original Message-----\nFrom: Shop <shop@example.test>\nSent: Monday, March 2, 2026 10:00 AM\nSubject: Your invoice\n\nHere it is.\n", "Please send the invoice again."},
		{"outlook german original", "Bitte nochmal schicken.\n\n-----Ursprüngliche Nachricht-----\nVon: Shop <shop@example.test>\nGesendet: Montag, 2. März 2026 10:00\n", "Bitte nochmal schicken."},
		{"outlook header block", "All fine, thank you.\n\nFrom: Corner Shop <shop@example.test>\nSent: Monday, March 2, 2026 10:00 AM\nTo: Dana <dana@example.com>\nSubject: How was your visit?\n\nHi Dana,\n", "All fine, thank you."},
		{"outlook underscores", "Great, thanks.\n\n________________________________\nFrom: Corner Shop <shop@example.test>\nSent: Monday\n", "Great, thanks."},
		{"outlook french block", "Parfait.\n\nDe : Corner Shop <shop@example.test>\nEnvoyé : lundi 2 mars 2026 10:00\nÀ : Zoé\nObjet : Votre visite\n", "Parfait."},
		{"bold outlook block", "Ok.\n\n*From:* Corner Shop <shop@example.test>\n*Sent:* Monday, March 2, 2026\n*To:* Dana\n", "Ok."},
		{"gmail forward", "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Pam <pam@example.test>\nDate: Mon, 2 Mar 2026\n", "FYI, see below."},
		{"apple forward", "Look at this.\n\nBegin forwarded message:\n\nFrom: Pam <pam@example.test>\n", "Look at this."},
		{"signature dash", "See you soon.\n\n-- \nDana Customer\n+1 555 0100\n", "See you soon."},
		{"iphone", "Yes, Tuesday works.\n\nSent from my iPhone\n\n> On 2 Mar 2026, at 10:00, Pam wrote:\n", "Yes, Tuesday works."},
		{"german iphone", "Ja, gerne.\n\nVon meinem iPhone gesendet\n", "Ja, gerne."},
		{"french iphone", "Oui.\n\nEnvoyé de mon iPhone\n", "Oui."},
		{"outlook mobile", "Will do.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n", "Will do."},
		{"interleaved", "On Mon, 2 Mar 2026 at 10:00, Pam <pam@example.test> wrote:\n> Which size?\nLarge, please.\n\n> Which colour?\nBlue.\n\n> Pam\n", "Large, please.\n\nBlue."},
		{"crlf", "Hi there,\r\nthanks!\r\n\r\n\r\n\r\nDana\r\n> quoted\r\n", "Hi there,\nthanks!\n\nDana"},
		{"only quoted", "> everything\n> quoted\n", ""},
		{"empty", "", ""},
		{"wrote without date is kept", "My colleague wrote:\nthe part arrived broken.\n", "My colleague wrote:\nthe part arrived broken."},
		{"from line in text is kept", "From: my side everything is fine.\nThanks!\n", "From: my side everything is fine.\nThanks!"},
		{"gmail attribution wrapped before the time", "Fine, thanks.\n\nOn Mon, 16 Nov 2026 at\n09:02, Shop <shop@example.test> wrote:\n> Your order is on its way.\n", "Fine, thanks."},
		{"french attribution wrapped before the time", "Merci.\n\nLe lun. 16 nov. 2026 à\n09:02, Shop <shop@example.test> a écrit :\n> Votre commande est partie.\n", "Merci."},
		{"attribution right under the words, html gmail", "Hi,\nThe parcel hasn't moved since Monday. Is it on its way?\nTom\n On Mon, 16 Nov 2026 at 09:02, Shop <shop@example.test> wrote:\n \nHi Tom, your order is on its way!\n", "Hi,\nThe parcel hasn't moved since Monday. Is it on its way?\nTom"},
		{"japanese", "ありがとうございます。\n\n2026年3月2日(月) 10:00 Pam <pam@example.test>:\n> こんにちは\n", "ありがとうございます。"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OwnText(tt.text); got != tt.want {
				t.Errorf("OwnText(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestOwnTextInvalidUTF8(t *testing.T) {
	got := OwnText("caf\xe9 ok\n> q\n")
	if !utf8.ValidString(got) || !strings.Contains(got, "ok") {
		t.Errorf("OwnText = %q", got)
	}
}

func FuzzOwnText(f *testing.F) {
	for _, s := range []string{
		"Thanks!\n\nOn Mon, 2 Mar 2026 at 10:00, Pam <pam@example.test> wrote:\n> hi\n",
		"Ok\n-----Original Message-----\nFrom: a\n",
		"From: a@b.example\nSent: x\nTo: y\n",
		"-- \nsig",
		"Am 02.03.2026 um 10:00 schrieb Pam <\npam@example.test>:\n> x\ny\n",
		"\xff\xfe>\r\r\n",
	} {
		f.Add(s)
	}
	for _, dir := range []string{"bounce", "auto"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.eml"))
		for _, file := range files {
			raw, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(raw))
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := OwnText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if len(got) > len(s)+len(s)/2+8 {
			t.Fatalf("output longer than input: %d > %d", len(got), len(s))
		}
	})
}

func TestOwnTextDropsALegalDisclaimer(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"English", "Hello, do you deliver to Leeds?\n\nThanks,\nJo\nAcme Legal Ltd\n\nThis email is confidential and intended solely for the addressee. " +
			"If you have received this in error, please notify the sender. We accept no liability for damage caused by viruses.",
			"Hello, do you deliver to Leeds?\n\nThanks,\nJo\nAcme Legal Ltd"},
		{"German", "Guten Tag, haben Sie noch Tulpen?\n\nMit freundlichen Grüßen\nEva Roth\n\nDiese E-Mail ist vertraulich. Wenn Sie nicht der richtige " +
			"Empfänger sind, löschen Sie sie bitte. Jede Haftung für Schäden ist ausgeschlossen.",
			"Guten Tag, haben Sie noch Tulpen?\n\nMit freundlichen Grüßen\nEva Roth"},
		{"Polish", "Dzień dobry, czy wysyłacie do Londynu?\n\nPozdrawiam\nAnna\n\nTa wiadomość jest poufna. Jeśli nie jest Pani/Pan adresatem, " +
			"prosimy o usunięcie. Firma nie ponosi odpowiedzialności za szkody.",
			"Dzień dobry, czy wysyłacie do Londynu?\n\nPozdrawiam\nAnna"},
		{"Portuguese", "Bom dia, a encomenda 5521 chegou com a tampa partida.\n\nCumprimentos\nRui Costa\n\nEsta mensagem e os seus anexos são " +
			"confidenciais e destinam-se exclusivamente ao destinatário. Se a recebeu por erro, informe o remetente e apague-a. " +
			"A empresa não se responsabiliza por vírus.",
			"Bom dia, a encomenda 5521 chegou com a tampa partida.\n\nCumprimentos\nRui Costa"},
		{"a complaint that speaks of liability stays",
			"The chair arrived broken.\n\nWho takes liability for this? It was confidential, you said, that it would come today.",
			"The chair arrived broken.\n\nWho takes liability for this? It was confidential, you said, that it would come today."},
		{"a disclaimer-like first paragraph stays", "Confidential: please treat this as private, in error or not.\n\nHi", "Confidential: please treat this as private, in error or not.\n\nHi"},
	} {
		if got := OwnText(tt.text); got != tt.want {
			t.Errorf("%s: OwnText =\n%q\nwant\n%q", tt.name, got, tt.want)
		}
	}
}
