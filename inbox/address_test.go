package inbox

import (
	"reflect"
	"testing"

	"github.com/emersion/go-message"
)

func TestAddressListReadsBrokenForms(t *testing.T) {
	tests := []struct {
		name, value string
		want        []Address
	}{
		{"plain", "foo@bar.com", []Address{{"", "foo@bar.com"}}},
		{"named", "Foo Bar <foo@bar.com>", []Address{{"Foo Bar", "foo@bar.com"}}},
		{"comment name", "foo@bar.com (Foo)", []Address{{"Foo", "foo@bar.com"}}},
		{"quoted name without brackets", `"Foo" foo@bar.com`, []Address{{"Foo", "foo@bar.com"}}},
		{"brackets only", "<foo@bar.com>", []Address{{"", "foo@bar.com"}}},
		{"unclosed bracket", "Foo <foo@bar.com", []Address{{"Foo", "foo@bar.com"}}},
		{"unquoted comma", "Smith, John <j@x.com>", []Address{{"Smith, John", "j@x.com"}}},
		{"unquoted comma in list", "Smith, John <j@x.com>, Jane <jane@x.com>",
			[]Address{{"Smith, John", "j@x.com"}, {"Jane", "jane@x.com"}}},
		{"unquoted dots", "John Q. Public <jqp@x.com>", []Address{{"John Q. Public", "jqp@x.com"}}},
		{"encoded word", "=?utf-8?q?J=C3=BCrgen?= <j@x.de>", []Address{{"Jürgen", "j@x.de"}}},
		{"encoded word in quotes", `"=?utf-8?q?J=C3=BCrgen?=" <j@x.de>`, []Address{{"Jürgen", "j@x.de"}}},
		{"name repeats email", `"foo@bar.com" <foo@bar.com>`, []Address{{"", "foo@bar.com"}}},
		{"mixed case kept", "Foo <Foo@Bar.COM>", []Address{{"Foo", "Foo@Bar.COM"}}},
		{"garbage around token", "mailto:[foo@bar.com]!!", []Address{{"", "foo@bar.com"}}},
		{"group", "Team: a@x.com, b@x.com;", []Address{{"", "a@x.com"}, {"", "b@x.com"}}},
		{"undisclosed", "undisclosed-recipients:;", nil},
		{"no address", "Foo Bar", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h message.Header
			h.Set("From", tt.value)
			p := &parser{msg: &Message{Header: h}}
			got := p.addressList("From")
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("addressList(%q) = %#v, want %#v", tt.value, got, tt.want)
			}
		})
	}
}

func TestAddressKeyIsLowerCase(t *testing.T) {
	if got := (Address{Email: "Foo@Bar.COM"}).Key(); got != "foo@bar.com" {
		t.Errorf("Key = %q", got)
	}
}

func TestParseMsgIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{"a@b", []string{"a@b"}},
		{"<a@b> <c@d>", []string{"a@b", "c@d"}},
		{"<a@b>,<c@d>", []string{"a@b", "c@d"}},
		{"<a@b><c@d>", []string{"a@b", "c@d"}},
		{"a@b, c@d", []string{"a@b", "c@d"}},
		{"Your message of Monday <a@b>", []string{"a@b"}},
		{"<a@b", []string{"a@b"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := parseMsgIDs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseMsgIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseDateAcceptsCommonForms(t *testing.T) {
	for _, in := range []string{
		"Tue, 4 Mar 2025 09:15:00 +0100",
		"Tue, 4 Mar 2025 09:15:00 +0100 (CET)",
		"4 Mar 2025 09:15:00 +0100",
		"Tue,  4 Mar 2025 09:15:00 +0100",
		"Tue Mar  4 09:15:00 2025",
		"2025-03-04T09:15:00+01:00",
	} {
		if _, ok := parseDate(in); !ok {
			t.Errorf("parseDate(%q) failed", in)
		}
	}
	if _, ok := parseDate("yesterday"); ok {
		t.Error("parseDate(yesterday) succeeded")
	}
}
