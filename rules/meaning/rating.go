package meaning

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

var (
	outOfFive  = regexp.MustCompile(`(?i)\b([0-5](?:[.,]5)?)\s*(?:/|out of|of|von|sur|de|su|uit|av|z)\s*5\b`)
	outOfTen   = regexp.MustCompile(`(?i)\b(10|[0-9])\s*(?:/|out of|of|von|sur|de|su|uit|av|z)\s*10\b`)
	numStars   = regexp.MustCompile(`(?i)\b([1-5]|one|two|three|four|five|eins|zwei|drei|vier|fünf|un|une|deux|trois|quatre|cinq|uno|una|dos|tres|cuatro|cinco|due|tre|quattro|cinque|um|uma|dois|duas|três|quatro|een|twee|drie|vijf)[\s-]*(?:stars?|sterne?n?|étoiles?|etoiles?|estrellas?|stelle|stella|estrelas?|sterren|ster|gwiazdk[ia]|stjärnor)\b`)
	leadNumber = regexp.MustCompile(`^\s*([1-5])\s*(?:$|[!.)\-–—:,]|\s)`)
)

var numberWords = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
	"eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
	"uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
	"due": 2, "tre": 3, "quattro": 4, "cinque": 5,
	"um": 1, "uma": 1, "dois": 2, "duas": 2, "três": 3, "quatro": 4,
	"een": 1, "twee": 2, "drie": 3, "vijf": 5,
}

// ParseRating finds a 1-5 rating in a customer's own words: "5",
// "4/5", "4 out of 5", "8/10" (halved), "★★★★", "⭐⭐⭐", "five stars",
// "4 Sterne". It returns 0 when there is none.
func ParseRating(text string) int {
	if len(text) > 4000 {
		text = text[:4000]
	}
	stars := 0
	for _, r := range text {
		if r == '★' || r == '⭐' {
			stars++
		}
	}
	if stars > 0 {
		return min(stars, 5)
	}
	if m := outOfFive.FindStringSubmatch(text); m != nil {
		f, _ := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
		return clampRating(int(f + 0.5))
	}
	if m := outOfTen.FindStringSubmatch(text); m != nil {
		n, _ := strconv.Atoi(m[1])
		return clampRating((n + 1) / 2)
	}
	if m := numStars.FindStringSubmatch(text); m != nil {
		w := strings.ToLower(m[1])
		if n, err := strconv.Atoi(w); err == nil {
			return n
		}
		return numberWords[w]
	}
	// A reply that starts with a lone digit: "5", "4 - good", "5!".
	if m := leadNumber.FindStringSubmatch(firstLine(text)); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

func clampRating(n int) int {
	return max(min(n, 5), 1)
}

func firstLine(s string) string {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	line, _, _ := strings.Cut(s, "\n")
	return line
}
