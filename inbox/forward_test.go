package inbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readForwardFixture(t testing.TB, name string) *Message {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "forward", name+".eml"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseBytes(raw)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return m
}

func TestExtractForwardFindsOriginalSender(t *testing.T) {
	tests := []struct {
		name, file           string
		email, display, subj string
		date                 string // RFC 3339, "" to skip
		note, text           string // substrings, "" to skip
		source               string
	}{
		// Client styles.
		{"GmailSeparatorAndOwnerNote", "gmail_en", "ana.silva@example.com", "Ana Silva", "Broken lamp",
			"2025-03-03T10:12:00Z", "#complaint", "arrived broken", SourceInline},
		{"OutlookOriginalMessageWithMailtoBrackets", "outlook_original_message_en", "brian.kelly@example.com", "Brian Kelly", "Invoice question",
			"2025-03-03T10:12:00Z", "Can you check", "charged twice", SourceInline},
		{"OutlookBoldLabelsAndCommaName", "outlook_bold_labels_en", "brian.kelly@example.com", "Kelly, Brian", "Delivery time",
			"2025-03-03T10:12:00Z", "see below", "Cork", SourceInline},
		{"OutlookMobileUnderscoresAndWrappedTo", "outlook_mobile_en", "chloe.martin@example.com", "Chloe Martin", "Opening hours",
			"2025-03-03T10:12:44Z", "#question", "Sunday", SourceInline},
		{"OutlookHTMLOnlyBoldLabels", "outlook_html_only_en", "dana.white@example.com", "Dana White", "Wrong size",
			"2025-03-03T10:12:00Z", "#complaint", "too small", SourceInline},
		{"AppleMailQuotedBlock", "apple_mail_en", "evan.brooks@example.com", "Evan Brooks", "Gift wrapping",
			"2025-03-03T10:12:21+01:00", "", "gift wrapping?", SourceInline},
		{"ThunderbirdSubjectFirst", "thunderbird_en", "fiona.green@example.com", "Fiona Green", "Repair",
			"2025-03-03T10:12:00+01:00", "", "chair leg", SourceInline},
		{"YahooHeaderOnSeparatorLine", "yahoo_en", "george.hall@example.com", "George Hall", "Catalogue",
			"2025-03-03T10:12:00+01:00", "Note for later.", "catalogue", SourceInline},
		{"HubSpot", "hubspot_en", "hannah.lee@example.com", "Hannah Lee", "Quote",
			"2025-03-03T10:12:44-05:00", "", "40 chairs", SourceInline},
		{"MissiveMailtoSuffix", "missive_en", "ian.moss@example.com", "Ian Moss", "Samples",
			"2025-03-03T10:12:00Z", "", "fabric", SourceInline},
		{"MailMateQuotedAfterIntro", "mailmate_en", "julia.novak@example.com", "Julia Novak", "Colours",
			"2025-03-03T10:12:00+01:00", "", "sofa", SourceInline},
		{"IONOSOriginalMessageUSDate", "ionos_en", "kevin.park@example.com", "Kevin Park", "Return",
			"2025-03-03T10:12:00-05:00", "", "return an item", SourceInline},
		{"MarkdownMailtoLinks", "markdown_links_en", "laura.chen@example.com", "Laura Chen", "Warranty",
			"2025-03-03T10:12:00Z", "", "two years", SourceInline},
		// Languages the shared corpus does not have.
		{"PolishOutlook", "outlook_pl", "anna.kowalska@example.com", "Anna Kowalska", "Reklamacja",
			"2025-03-03T10:12:00Z", "#complaint", "uszkodzona", SourceInline},
		{"PolishThunderbird", "thunderbird_pl", "piotr.nowak@example.com", "Piotr Nowak", "Zamówienie",
			"2025-03-03T10:12:00+01:00", "", "zamówienie", SourceInline},
		{"SwedishOutlook", "outlook_sv", "sven.lind@example.com", "Sven Lind", "Leverans",
			"2025-03-03T10:12:00Z", "", "leverans", SourceInline},
		{"SwedishAppleMail", "apple_sv", "karin.berg@example.com", "Karin Berg", "Retur",
			"2025-03-03T10:12:21+01:00", "", "returnerar", SourceInline},
		{"FinnishOutlookDottedTime", "outlook_fi", "matti.virtanen@example.com", "Matti Virtanen", "Tilaus",
			"2025-03-03T10:12:00Z", "", "tilaukseni", SourceInline},
		{"RussianOutlook", "outlook_ru", "ivan.petrov@example.com", "Иван Петров", "Сломанная лампа",
			"2025-03-03T10:12:00Z", "", "сломанной", SourceInline},
		{"JapaneseOutlookNoSeparator", "outlook_ja", "taro.yamada@example.com", "山田 太郎", "ランプが壊れました",
			"2025-03-03T10:12:00Z", "", "壊れて", SourceInline},
		{"ChineseFullWidthColons", "outlook_zh_fullwidth", "zhang.wei@example.com", "张伟", "订单问题",
			"2025-03-03T10:12:00Z", "#complaint", "订单", SourceInline},
		{"KoreanAfternoonMarker", "outlook_ko", "minjun.kim@example.com", "김민준", "배송 문의",
			"2025-03-03T14:12:00Z", "", "배송", SourceInline},
		{"TurkishOutlook", "outlook_tr", "ayse.yilmaz@example.com", "Ayşe Yılmaz", "Sipariş",
			"2025-03-03T10:12:00Z", "", "siparişim", SourceInline},
		{"GreekOutlook", "outlook_el", "nikos.papadopoulos@example.com", "Νίκος Παπαδόπουλος", "Παραγγελία",
			"2025-03-03T10:12:00Z", "", "παραγγελία", SourceInline},
		{"CzechOutlookMarkdownAddress", "outlook_cs_markdown", "jan.novak@example.com", "Jan Novák", "Rozbitá lampa",
			"2025-03-03T10:12:00Z", "", "rozbitá", SourceInline},
		{"CzechYahoo", "yahoo_cs", "petra.dvorakova@example.com", "Petra Dvořáková", "Reklamace",
			"2025-03-03T10:12:00+01:00", "", "židli", SourceInline},
		{"HungarianOutlookYearFirst", "outlook_hu", "peter.kovacs@example.com", "Kovács Péter", "Rendelés",
			"2025-03-03T10:12:00Z", "", "rendelésem", SourceInline},
		{"RomanianOutlookTwoWordLabel", "outlook_ro", "andrei.popescu@example.com", "Andrei Popescu", "Comandă",
			"2025-03-03T10:12:00Z", "", "comanda", SourceInline},
		{"FrenchSpaceBeforeColon", "gmail_fr_nbsp", "camille.roux@example.com", "Camille Roux", "Devis",
			"2025-03-03T10:12:00Z", "", "devis", SourceInline},
		{"UnknownLabelsFoundByStructure", "unknown_labels_structure", "rhys.evans@example.com", "Rhys Evans", "Cadair wedi torri",
			"", "", "gadair", SourceInline}, // "Mawrth" is not a known month name
		{"AttributionLineWithForwardPrefix", "attribution_pl", "anna.kowalska@example.com", "Anna Kowalska", "Faktura",
			"2025-03-03T10:12:00Z", "fakturę dla klienta", "fakturę VAT", SourceInline},
		// Nesting and attachments.
		{"NestedSkipsForwardersOwnBlock", "nested_own_forward", "maria.lopez@example.com", "Maria Lopez", "Broken chair",
			"2025-03-03T10:12:00Z", "#complaint again", "broke after a week", SourceInline},
		{"NestedUsesOutermostCustomer", "nested_customer_first", "nora.quinn@example.com", "Nora Quinn", "Fwd: Order",
			"2025-03-04T09:00:00Z", "", "courier wrote", SourceInline},
		{"AttachedMessage", "attachment_rfc822", "oscar.reyes@example.com", "Oscar Reyes", "Table delivery",
			"2025-03-03T10:12:00+01:00", "#question", "table be delivered", SourceAttachment},
		{"AttachedOwnForwardThenInline", "attachment_own_then_inline", "paula.stone@example.com", "Paula Stone", "Lamp",
			"2025-03-03T10:12:00Z", "earlier forward", "back in stock", SourceInline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := readForwardFixture(t, tt.file)
			f, ok := ExtractForward(m)
			if !ok {
				t.Fatalf("ExtractForward(%s): not found", tt.file)
			}
			if !strings.EqualFold(f.From.Email, tt.email) || f.From.Name != tt.display {
				t.Errorf("From = %q <%s>, want %q <%s>", f.From.Name, f.From.Email, tt.display, tt.email)
			}
			if f.Subject != tt.subj {
				t.Errorf("Subject = %q, want %q", f.Subject, tt.subj)
			}
			if tt.date != "" {
				want, err := time.Parse(time.RFC3339, tt.date)
				if err != nil {
					t.Fatal(err)
				}
				if !f.Date.Equal(want) {
					t.Errorf("Date = %v, want %v", f.Date, want)
				}
			}
			if !strings.Contains(f.Note, tt.note) {
				t.Errorf("Note = %q, want it to contain %q", f.Note, tt.note)
			}
			if !strings.Contains(f.Text, tt.text) {
				t.Errorf("Text = %q, want it to contain %q", f.Text, tt.text)
			}
			if strings.Contains(f.Note, "@example.com") {
				t.Errorf("Note = %q holds the forwarded header", f.Note)
			}
			if f.Source != tt.source {
				t.Errorf("Source = %q, want %q", f.Source, tt.source)
			}
		})
	}
}

func TestExtractForwardRejectsNonForwards(t *testing.T) {
	tests := []struct{ name, file string }{
		{"PlainCustomerMail", "plain_customer"},
		{"ReplyQuotingWithWrote", "reply_quoted"},
		{"OwnersReplyWithOutlookBlock", "reply_owner_outlook_block"},
		{"FromInProse", "prose_from"},
		{"WroteLineWithoutForwardPrefix", "wrote_without_forward_prefix"},
		{"ForwardOfOwnSentMail", "own_sent_mail_forward"},
		{"ContactFormFields", "contact_form"},
		{"SenderWithoutAddress", "no_sender_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := readForwardFixture(t, tt.file)
			if f, ok := ExtractForward(m); ok {
				t.Errorf("ExtractForward(%s) = %+v, want not a forward", tt.file, f)
			}
		})
	}
}

func TestExtractForwardAttachmentKeepsMessageID(t *testing.T) {
	f, ok := ExtractForward(readForwardFixture(t, "attachment_rfc822"))
	if !ok || f.MessageID != "table-1@example.com" {
		t.Fatalf("got %+v, %v; want Message-ID table-1@example.com", f, ok)
	}
	if len(f.To) != 1 || f.To[0].Email != "olivia@shop.test" {
		t.Errorf("To = %v", f.To)
	}
}

func TestExtractForwardNilMessage(t *testing.T) {
	if _, ok := ExtractForward(nil); ok {
		t.Error("ExtractForward(nil) reported a forward")
	}
}

func TestSubjectPrefix(t *testing.T) {
	tests := []struct {
		in       string
		kind     subjectKind
		stripped string
	}{
		{"Fwd: Hello", subjectForward, "Hello"},
		{"WG: AW: Hello", subjectForward, "AW: Hello"},
		{"[EXT] TR: Hello", subjectForward, "Hello"},
		{"转发：你好", subjectForward, "你好"},
		{"FW[2]: Fwd: Hello", subjectForward, "Hello"},
		{"Re: Fwd: Hello", subjectReply, "Re: Fwd: Hello"},
		{"Order: 1187", subjectPlain, "Order: 1187"},
		{"Hello", subjectPlain, "Hello"},
	}
	for _, tt := range tests {
		kind, stripped := subjectPrefix(tt.in)
		if kind != tt.kind || stripped != tt.stripped {
			t.Errorf("subjectPrefix(%q) = %v, %q; want %v, %q", tt.in, kind, stripped, tt.kind, tt.stripped)
		}
	}
}

func TestParseForwardDateLocalized(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mi., 27. Okt. 2021 um 09:31 Uhr", "2021-10-27T09:31:00Z"},
		{"26 de octubre de 2021, 14:25:08 EEST", "2021-10-26T14:25:08+03:00"},
		{"martedì 2 novembre 2021, 09:26:50 CET", "2021-11-02T09:26:50+01:00"},
		{"02/10/2023 4:52 PM EST", "2023-02-10T16:52:00-05:00"},
		{"28/10/2021 12:46", "2021-10-28T12:46:00Z"},
		{"2021年10月28日(木) 12:46", "2021-10-28T12:46:00Z"},
		{"maanantai 3. marraskuuta 2025 klo 10.12", "2025-11-03T10:12:00Z"},
		{"čtvrtek 3. července 2025 10:12", "2025-07-03T10:12:00Z"},
		{"3 марта 2025 г., 10:12", "2025-03-03T10:12:00Z"},
		{"Thursday, 28 October 2021 at 12:46 UTC+2", "2021-10-28T12:46:00+02:00"},
	}
	for _, tt := range tests {
		got, ok := parseForwardDate(tt.in)
		want, _ := time.Parse(time.RFC3339, tt.want)
		if !ok || !got.Equal(want) {
			t.Errorf("parseForwardDate(%q) = %v, %v; want %v", tt.in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "Room 12", "soon, 2 PM"} {
		if got, ok := parseForwardDate(bad); ok {
			t.Errorf("parseForwardDate(%q) = %v, want no date", bad, got)
		}
	}
}

func TestExtractForwardSubjectGates(t *testing.T) {
	gmailBlock := "---------- Forwarded message ---------\nFrom: Ana Silva <ana.silva@example.com>\nDate: Mon, Mar 3, 2025 at 10:12 AM\nSubject: Lamp\nTo: <olivia@shop.test>\n\nBroken.\n"
	outlookBlock := "Thanks!\n\n________________________________\nVon: Ana Silva <ana.silva@example.com>\nGesendet: Montag, 3. März 2025 10:12\nAn: Olivia Owner <olivia@shop.test>\nBetreff: Lampe\n\nKaputt.\n"
	wrote := "FYI\n\nOn Mon, Mar 3, 2025 at 10:12 AM Ana Silva <ana.silva@example.com>\nwrote:\n> Broken.\n"
	tests := []struct {
		name, subject, text string
		want                bool
	}{
		{"ReplySubjectStillTakesNamedForwardSeparator", "Re: Lamp", gmailBlock, true},
		{"ReplySubjectHidesOutlookReplyBlock", "AW: Lampe", outlookBlock, false},
		{"PlainSubjectTakesOutlookBlock", "Lampe #complaint", outlookBlock, true},
		{"ForwardSubjectTakesWrappedWroteLine", "Fwd: Lamp", wrote, true},
		{"PlainSubjectIgnoresWroteLine", "Lamp", wrote, false},
		{"ReplySubjectIgnoresWroteLine", "Re: Lamp", wrote, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Message{From: Address{Name: "Olivia Owner", Email: "olivia@shop.test"}, Subject: tt.subject, Text: tt.text}
			f, ok := ExtractForward(m)
			if ok != tt.want {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.want, f)
			}
			if ok && f.From.Email != "ana.silva@example.com" {
				t.Errorf("From = %v, want ana.silva@example.com", f.From)
			}
		})
	}
}

func TestExtractForwardJoinsWrappedSender(t *testing.T) {
	for _, text := range []string{
		"-----Original Message-----\nFrom: Alexandra Montgomery-Smithson\n <alexandra@example.com>\nSent: 3 March 2025 10:12\nTo: Olivia\nSubject: Sofa\n\nHi\n",
		"-----Original Message-----\nFrom: Alexandra Montgomery-Smithson\nalexandra@example.com\nSent: 3 March 2025 10:12\nTo: Olivia\nSubject: Sofa\n\nHi\n",
	} {
		m := &Message{From: Address{Email: "olivia@shop.test"}, Subject: "FW: Sofa", Text: text}
		f, ok := ExtractForward(m)
		if !ok || f.From.Email != "alexandra@example.com" || f.From.Name != "Alexandra Montgomery-Smithson" {
			t.Errorf("ExtractForward(%q) = %+v, %v", text, f, ok)
		}
	}
}

func TestExtractForwardIgnoresSignatureBlockInNote(t *testing.T) {
	text := "#complaint\n\nOlivia Owner\nPhone: +44 20 7946 0000\nEmail: info@shop.test\nCompany No: 2019 4455\n\nplease handle\n"
	m := &Message{From: Address{Email: "olivia@gmail.example"}, Subject: "Fwd: Lamp", Text: text}
	if f, ok := ExtractForward(m); ok {
		t.Errorf("ExtractForward took a signature for a forward: %+v", f)
	}
}
