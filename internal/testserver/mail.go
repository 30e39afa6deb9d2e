package testserver

import (
	"fmt"
	"strings"
)

// CustomerMail is a plain-text email from a customer to the test shop
// (shop@example.test), with CRLF line ends as IMAP serves mail.
func CustomerMail(from, subject, msgID, body string) []byte {
	return []byte(strings.ReplaceAll(fmt.Sprintf(`From: %s
To: Acme Bikes <shop@example.test>
Subject: %s
Date: Mon, 02 Mar 2026 10:00:00 -0600
Message-ID: <%s>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

%s
`, from, subject, msgID, body), "\n", "\r\n"))
}
