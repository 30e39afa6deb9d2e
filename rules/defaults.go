package rules

// The built-in rules, applied after the owner's. Phrases are matched as
// whole words in the subject and the customer's own words. Complaint comes
// first: "I want a refund for my order" is a complaint, not a purchase.
// The lists cover English, German, French, Spanish, Italian, Portuguese and
// Dutch, with the commonest words of Polish, Swedish, Danish and Norwegian.
var builtinRules = []rule{
	{name: "built-in: complaint words", category: "complaint", words: []string{
		// en
		"refund", "money back", "disappointed", "disappointing", "broken", "never arrived", "hasn't arrived",
		"has not arrived", "didn't arrive", "did not arrive", "not arrived", "still waiting", "still not received",
		"never received", "overcharged", "charged twice", "double charged", "double-charged", "unacceptable",
		"complaint", "complain", "terrible", "awful", "horrible", "worst", "defective", "faulty", "damaged",
		"wrong item", "not working", "doesn't work", "does not work", "stopped working", "rude", "scam",
		"poor service", "unexpected fee", "hidden fee", "hidden fees", "extra charge", "ripped off", "furious",
		"not happy", "unhappy", "fed up", "cancel my order",
		// de
		"beschwerde", "reklamation", "enttäuscht", "enttäuschend", "kaputt", "defekt", "beschädigt",
		"nie angekommen", "nicht angekommen", "nicht erhalten", "rückerstattung", "geld zurück", "unverschämt",
		"inakzeptabel", "falsch berechnet", "zu viel berechnet", "doppelt abgebucht", "funktioniert nicht", "ärgerlich",
		"sauer", "unzufrieden",
		// fr
		"remboursement", "rembourser", "déçu", "déçue", "décevant", "cassé", "cassée", "défectueux", "défectueuse",
		"endommagé", "jamais reçu", "pas reçu", "jamais arrivé", "inacceptable", "plainte", "réclamation",
		"facturé deux fois", "ne fonctionne pas", "ne marche pas", "arnaque", "mécontent", "mécontente",
		// es
		"reembolso", "devolución del dinero", "decepcionado", "decepcionada", "roto", "rota", "defectuoso",
		"defectuosa", "dañado", "dañada", "nunca llegó", "no ha llegado", "no llegó", "inaceptable", "queja",
		"reclamación", "reclamo", "cobro doble", "cobrado de más", "no funciona", "estafa", "insatisfecho",
		// it
		"rimborso", "deluso", "delusa", "deludente", "rotto", "rotta", "difettoso", "difettosa", "danneggiato",
		"mai arrivato", "non è arrivato", "non arrivato", "inaccettabile", "lamentela", "addebitato due volte",
		"non funziona", "truffa", "insoddisfatto",
		// pt
		"reembolso", "decepcionado", "quebrado", "quebrada", "defeituoso", "danificado", "nunca chegou",
		"não chegou", "inaceitável", "reclamação", "cobrado duas vezes", "não funciona", "golpe", "insatisfeito",
		// nl
		"terugbetaling", "geld terug", "teleurgesteld", "kapot", "beschadigd", "nooit aangekomen",
		"niet aangekomen", "niet ontvangen", "onacceptabel", "klacht", "dubbel betaald", "werkt niet", "ontevreden",
		// pl, sv, da, no
		"zwrot pieniędzy", "rozczarowany", "rozczarowana", "zepsuty", "uszkodzony", "reklamacja", "skarga",
		"nie działa", "återbetalning", "besviken", "trasig", "klagomål", "fungerar inte", "refusion", "skuffet",
		"ødelagt", "klage", "virker ikke", "fungerer ikke",
	}},
	{name: "built-in: purchase words", category: "purchase", words: []string{
		"my order", "order number", "order #", "i ordered", "i bought", "just bought", "i purchased", "purchased",
		"receipt", "paid for", "my purchase", "order confirmation",
		"meine bestellung", "bestellnummer", "ich habe bestellt", "gekauft", "bestellt", "rechnung", "kaufbeleg",
		"ma commande", "numéro de commande", "j'ai commandé", "j'ai acheté", "acheté", "facture",
		"mi pedido", "número de pedido", "he comprado", "compré", "factura", "recibo",
		"il mio ordine", "numero d'ordine", "ho comprato", "ho ordinato", "fattura", "ricevuta",
		"meu pedido", "número do pedido", "comprei", "fatura",
		"mijn bestelling", "bestelnummer", "gekocht", "besteld", "factuur",
	}},
	{name: "built-in: feedback words", category: "feedback", words: []string{
		"feedback", "review", "rating", "stars", "recommend", "love it", "loved it", "great service",
		"excellent service", "thank you so much", "thanks so much", "very happy", "so happy", "well done",
		"bewertung", "weiterempfehlen", "sehr zufrieden", "super service", "vielen dank für",
		"avis", "je recommande", "très satisfait", "très satisfaite", "merci beaucoup pour",
		"opinión", "reseña", "recomiendo", "muy contento", "muy contenta", "muchas gracias por",
		"recensione", "consiglio", "molto soddisfatto", "grazie mille per",
		"avaliação", "recomendo", "muito satisfeito", "muito obrigado pelo", "muito obrigada pelo",
		"beoordeling", "aanrader", "zeer tevreden", "heel erg bedankt",
	}},
	{name: "built-in: inquiry words", category: "inquiry", words: []string{
		"?", "do you", "can you", "could you", "would you", "is it possible", "how much", "price", "prices", "quote",
		"available", "availability", "interested", "information", "question", "wondering", "looking for",
		"i would like", "i'd like", "please send",
		"haben sie", "können sie", "könnten sie", "wie viel", "wieviel", "preis", "angebot", "verfügbar", "interesse",
		"frage", "ich möchte", "ich hätte gern",
		"avez-vous", "pouvez-vous", "combien", "prix", "devis", "disponible", "intéressé", "intéressée", "je voudrais",
		"tienen", "pueden", "cuánto", "precio", "presupuesto", "interesado", "interesada", "pregunta", "quisiera",
		"avete", "potete", "quanto costa", "prezzo", "preventivo", "disponibile", "interessato", "interessata",
		"domanda", "vorrei",
		"vocês têm", "quanto custa", "preço", "orçamento", "disponível", "pergunta", "gostaria",
		"hebben jullie", "hoeveel", "prijs", "offerte", "beschikbaar", "vraag", "ik wil graag",
	}},
	// Every first contact is a future customer: answer it as an inquiry.
	{name: "built-in: first contact", category: "inquiry", firstTime: true},
}
