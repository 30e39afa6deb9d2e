package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/followupd/followupd/internal/core"
)

// locale is how a language writes the text templates get from data:
// dates, lengths of time, the promised answer time, and the subject of an
// answer to a message that had none.
type locale struct {
	months   [12]string
	weekdays [7]string // Sunday first
	date     func(l *locale, t time.Time) string
	// units: second-few, minute, hour, day, week, month, year; each as
	// the forms forms() picks from.
	few   string
	units map[string][3]string // one, few (2-4 where it differs), many
	// within words a promise: "within 24 hours" from "24 hours", with the
	// special form for one hour.
	within     string // "within %s"
	withinHour string // "within the hour"
	// inflect: Polish takes the genitive after "w ciągu".
	withinUnits map[string][3]string
	noSubject   string
	// categories names inquiry, purchase, complaint, feedback and other.
	categories [5]string
}

var locales = map[core.Lang]*locale{
	core.English: {
		months:   [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		weekdays: [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		date: func(l *locale, t time.Time) string {
			return l.weekdays[t.Weekday()] + " " + fmt.Sprint(t.Day()) + " " + l.months[t.Month()-1]
		},
		few: "a few seconds",
		units: map[string][3]string{"minute": {"minute", "minutes", "minutes"}, "hour": {"hour", "hours", "hours"},
			"day": {"day", "days", "days"}, "week": {"week", "weeks", "weeks"}, "month": {"month", "months", "months"}, "year": {"year", "years", "years"}},
		within: "within %s", withinHour: "within the hour", noSubject: "Thanks for your message",
		categories: [5]string{string(core.Inquiry), string(core.Purchase), string(core.Complaint), string(core.Feedback), string(core.Other)},
	},
	core.German: {
		months:   [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
		weekdays: [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s, %d. %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "ein paar Sekunden",
		units: map[string][3]string{"minute": {"Minute", "Minuten", "Minuten"}, "hour": {"Stunde", "Stunden", "Stunden"},
			"day": {"Tag", "Tage", "Tage"}, "week": {"Woche", "Wochen", "Wochen"}, "month": {"Monat", "Monate", "Monate"}, "year": {"Jahr", "Jahre", "Jahre"}},
		within: "innerhalb von %s", withinHour: "innerhalb einer Stunde", noSubject: "Danke für Ihre Nachricht",
		categories: [5]string{"Anfrage", "Kauf", "Beschwerde", "Rückmeldung", "Sonstiges"},
		withinUnits: map[string][3]string{"minute": {"Minute", "Minuten", "Minuten"}, "hour": {"Stunde", "Stunden", "Stunden"},
			"day": {"Tag", "Tagen", "Tagen"}, "week": {"Woche", "Wochen", "Wochen"}, "month": {"Monat", "Monaten", "Monaten"}, "year": {"Jahr", "Jahren", "Jahren"}},
	},
	core.French: {
		months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
		weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %s %s", l.weekdays[t.Weekday()], frDay(t.Day()), l.months[t.Month()-1])
		},
		few: "quelques secondes",
		units: map[string][3]string{"minute": {"minute", "minutes", "minutes"}, "hour": {"heure", "heures", "heures"},
			"day": {"jour", "jours", "jours"}, "week": {"semaine", "semaines", "semaines"}, "month": {"mois", "mois", "mois"}, "year": {"an", "ans", "ans"}},
		within: "dans les %s", withinHour: "dans l'heure", noSubject: "Merci pour votre message",
		categories: [5]string{"question", "achat", "réclamation", "avis", "autre"},
	},
	core.Spanish: {
		months:   [12]string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
		weekdays: [7]string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %d de %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "unos segundos",
		units: map[string][3]string{"minute": {"minuto", "minutos", "minutos"}, "hour": {"hora", "horas", "horas"},
			"day": {"día", "días", "días"}, "week": {"semana", "semanas", "semanas"}, "month": {"mes", "meses", "meses"}, "year": {"año", "años", "años"}},
		within: "en un plazo de %s", withinHour: "en menos de una hora", noSubject: "Gracias por tu mensaje",
		categories: [5]string{"consulta", "compra", "queja", "opinión", "otro"},
	},
	core.Italian: {
		months:   [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"},
		weekdays: [7]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %d %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "pochi secondi",
		units: map[string][3]string{"minute": {"minuto", "minuti", "minuti"}, "hour": {"ora", "ore", "ore"},
			"day": {"giorno", "giorni", "giorni"}, "week": {"settimana", "settimane", "settimane"}, "month": {"mese", "mesi", "mesi"}, "year": {"anno", "anni", "anni"}},
		within: "entro %s", withinHour: "entro un'ora", noSubject: "Grazie per il tuo messaggio",
		categories: [5]string{"richiesta", "acquisto", "reclamo", "opinione", "altro"},
	},
	core.Dutch: {
		months:   [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
		weekdays: [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %d %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "een paar seconden",
		units: map[string][3]string{"minute": {"minuut", "minuten", "minuten"}, "hour": {"uur", "uur", "uur"},
			"day": {"dag", "dagen", "dagen"}, "week": {"week", "weken", "weken"}, "month": {"maand", "maanden", "maanden"}, "year": {"jaar", "jaar", "jaar"}},
		within: "binnen %s", withinHour: "binnen het uur", noSubject: "Bedankt voor je bericht",
		categories: [5]string{"vraag", "aankoop", "klacht", "reactie", "overig"},
	},
	core.Portuguese: {
		months:   [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
		weekdays: [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s, %d de %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "alguns segundos",
		units: map[string][3]string{"minute": {"minuto", "minutos", "minutos"}, "hour": {"hora", "horas", "horas"},
			"day": {"dia", "dias", "dias"}, "week": {"semana", "semanas", "semanas"}, "month": {"mês", "meses", "meses"}, "year": {"ano", "anos", "anos"}},
		within: "no prazo de %s", withinHour: "dentro de uma hora", noSubject: "Agradeço a sua mensagem",
		categories: [5]string{"pergunta", "compra", "reclamação", "opinião", "outro"},
	},
	core.Polish: {
		months:   [12]string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"},
		weekdays: [7]string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s, %d %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "kilka sekund",
		units: map[string][3]string{"minute": {"minuta", "minuty", "minut"}, "hour": {"godzina", "godziny", "godzin"},
			"day": {"dzień", "dni", "dni"}, "week": {"tydzień", "tygodnie", "tygodni"}, "month": {"miesiąc", "miesiące", "miesięcy"}, "year": {"rok", "lata", "lat"}},
		within: "w ciągu %s", withinHour: "w ciągu godziny", noSubject: "Dziękuję za wiadomość",
		categories: [5]string{"zapytanie", "zakup", "reklamacja", "opinia", "inne"},
		withinUnits: map[string][3]string{"minute": {"minuty", "minut", "minut"}, "hour": {"godziny", "godzin", "godzin"},
			"day": {"dnia", "dni", "dni"}, "week": {"tygodnia", "tygodni", "tygodni"}, "month": {"miesiąca", "miesięcy", "miesięcy"}, "year": {"roku", "lat", "lat"}},
	},
	core.Swedish: {
		months:   [12]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"},
		weekdays: [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %d %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "några sekunder",
		units: map[string][3]string{"minute": {"minut", "minuter", "minuter"}, "hour": {"timme", "timmar", "timmar"},
			"day": {"dag", "dagar", "dagar"}, "week": {"vecka", "veckor", "veckor"}, "month": {"månad", "månader", "månader"}, "year": {"år", "år", "år"}},
		within: "inom %s", withinHour: "inom en timme", noSubject: "Tack för ditt meddelande",
		categories: [5]string{"fråga", "köp", "klagomål", "återkoppling", "övrigt"},
	},
	core.Danish: {
		months:   [12]string{"januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober", "november", "december"},
		weekdays: [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s den %d. %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "et par sekunder",
		units: map[string][3]string{"minute": {"minut", "minutter", "minutter"}, "hour": {"time", "timer", "timer"},
			"day": {"dag", "dage", "dage"}, "week": {"uge", "uger", "uger"}, "month": {"måned", "måneder", "måneder"}, "year": {"år", "år", "år"}},
		within: "inden for %s", withinHour: "inden for en time", noSubject: "Tak for din besked",
		categories: [5]string{"spørgsmål", "køb", "klage", "tilbagemelding", "andet"},
	},
	core.Norwegian: {
		months:   [12]string{"januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"},
		weekdays: [7]string{"søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"},
		date: func(l *locale, t time.Time) string {
			return fmt.Sprintf("%s %d. %s", l.weekdays[t.Weekday()], t.Day(), l.months[t.Month()-1])
		},
		few: "noen sekunder",
		units: map[string][3]string{"minute": {"minutt", "minutter", "minutter"}, "hour": {"time", "timer", "timer"},
			"day": {"dag", "dager", "dager"}, "week": {"uke", "uker", "uker"}, "month": {"måned", "måneder", "måneder"}, "year": {"år", "år", "år"}},
		within: "innen %s", withinHour: "innen en time", noSubject: "Takk for meldingen din",
		categories: [5]string{"spørsmål", "kjøp", "klage", "tilbakemelding", "annet"},
	},
}

// frDay writes the first of the month as French does: "1er".
func frDay(d int) string {
	if d == 1 {
		return "1er"
	}
	return fmt.Sprint(d)
}

// localeOf returns the locale of l, English for a language without one.
func localeOf(l core.Lang) *locale {
	if lc, ok := locales[l]; ok {
		return lc
	}
	return locales[core.English]
}

// form picks the form of a unit for n: one, few or many. Polish has a
// third form for 2-4 (but not 12-14); the others use "few" = "many".
func form(l core.Lang, n int64, forms [3]string) string {
	switch {
	case n == 1:
		return forms[0]
	case l == core.Polish && n%10 >= 2 && n%10 <= 4 && (n%100 < 12 || n%100 > 14):
		return forms[1]
	}
	return forms[2]
}

// duration splits d into a count and a unit the way a person rounds it.
func duration(d time.Duration) (int64, string) {
	if d < 0 {
		d = -d
	}
	const day = 24 * time.Hour
	switch {
	case d < time.Minute:
		return 0, ""
	case d < time.Hour:
		return int64(d / time.Minute), "minute"
	case d < 2*day:
		return int64(d / time.Hour), "hour"
	case d < 14*day:
		return int64(d / day), "day"
	case d < 60*day:
		return int64(d / (7 * day)), "week"
	case d < 730*day:
		return int64(d / (30 * day)), "month"
	}
	return int64(d / (365 * day)), "year"
}

// AgeIn says how long a duration is the way a person would, in language
// l: "3 days", "3 Tage", "3 dni". The sign is ignored.
func AgeIn(l core.Lang, d time.Duration) string {
	lc := localeOf(l)
	n, unit := duration(d)
	if unit == "" {
		return lc.few
	}
	return fmt.Sprintf("%d %s", n, form(l, n, lc.units[unit]))
}

// Age is AgeIn for English: "a few seconds", "1 minute", "5 hours",
// "3 days", "2 weeks", "4 months", "2 years".
func Age(d time.Duration) string { return AgeIn(core.English, d) }

// Within words a promised answer time in language l: "within 24 hours",
// "innerhalb von 24 Stunden", "w ciągu 24 godzin"; "" for none. Days are
// used only for whole days beyond one.
func Within(l core.Lang, d time.Duration) string {
	lc := localeOf(l)
	if d <= 0 {
		return ""
	}
	if d == time.Hour {
		return lc.withinHour
	}
	var n int64
	var unit string
	switch {
	case d%(24*time.Hour) == 0 && d > 24*time.Hour:
		n, unit = int64(d/(24*time.Hour)), "day"
	case d%time.Hour == 0:
		n, unit = int64(d/time.Hour), "hour"
	default:
		n, unit = int64(d/time.Minute), "minute"
	}
	units := lc.units
	if lc.withinUnits != nil {
		units = lc.withinUnits
	}
	return fmt.Sprintf(lc.within, fmt.Sprintf("%d %s", n, form(l, n, units[unit])))
}

// DateIn writes a day in language l: "Mon 2 Mar", "Montag, 2. März",
// "lundi 2 mars"; a zero time gives "".
func DateIn(l core.Lang, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lc := localeOf(l)
	return lc.date(lc, t)
}

// replyIn makes the subject of an answer: "Re: " once, never "Re: Re:";
// an empty subject gets the language's "Thanks for your message".
func replyIn(l core.Lang, s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return localeOf(l).noSubject
	}
	if low := strings.ToLower(s); strings.HasPrefix(low, "re:") || strings.HasPrefix(low, "aw:") || strings.HasPrefix(low, "sv:") ||
		strings.HasPrefix(low, "odp:") || strings.HasPrefix(low, "antw:") || strings.HasPrefix(low, "r:") {
		return s
	}
	return "Re: " + s
}

// categoryIn names a category in language l: "complaint", "Beschwerde";
// a category it does not know is given as it is.
func categoryIn(l core.Lang, c core.Category) string {
	for i, x := range core.Categories {
		if x == c {
			return localeOf(l).categories[i]
		}
	}
	return string(c)
}
