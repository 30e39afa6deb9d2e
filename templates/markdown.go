package templates

import (
	"bytes"
	"fmt"
	"html"
	"strings"
	"text/template"
	"text/template/parse"

	"github.com/yuin/goldmark"
	gmhtml "github.com/yuin/goldmark/renderer/html"
)

// Markdown templates are text/templates whose every output action is piped
// through mdEscapeFunc before it reaches the Markdown source, the way
// html/template adds its escapers: whatever a customer wrote ("<script>",
// "[x](javascript:…)", "**") arrives as literal text, while the owner's own
// Markdown around it keeps working. goldmark then renders without raw HTML
// and without dangerous link schemes, a second line of defence.

const mdEscapeFunc = "_followupd_md_escape"

// mdEscape backslash-escapes every ASCII punctuation character, which
// CommonMark then shows literally.
func mdEscape(args ...any) string {
	var s string
	if len(args) == 1 {
		if str, ok := args[0].(string); ok {
			s = str
		} else {
			s = fmt.Sprint(args[0])
		}
	} else {
		s = fmt.Sprint(args...)
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// escapeActions appends the Markdown escaper to every action that prints,
// in every template of t's namespace.
func escapeActions(t *template.Template) {
	done := map[*parse.Tree]bool{}
	for _, tt := range t.Templates() {
		if tt.Tree == nil || done[tt.Tree] {
			continue
		}
		done[tt.Tree] = true
		escapeList(tt.Tree.Root)
	}
}

func escapeList(l *parse.ListNode) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.ActionNode:
			if len(n.Pipe.Decl) > 0 { // {{$x := ...}} prints nothing
				continue
			}
			id := parse.NewIdentifier(mdEscapeFunc).SetTree(nil).SetPos(n.Pos)
			n.Pipe.Cmds = append(n.Pipe.Cmds, &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pos, Args: []parse.Node{id}})
		case *parse.IfNode:
			escapeList(n.List)
			escapeList(n.ElseList)
		case *parse.RangeNode:
			escapeList(n.List)
			escapeList(n.ElseList)
		case *parse.WithNode:
			escapeList(n.List)
			escapeList(n.ElseList)
		case *parse.ListNode:
			escapeList(n)
		}
	}
}

var markdown = goldmark.New(goldmark.WithRendererOptions(gmhtml.WithHardWraps()))

// markdownToHTML renders Markdown source into a minimal HTML document.
func markdownToHTML(subject, src string) (string, error) {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(src), &b); err != nil {
		return "", err
	}
	return wrapHTML(subject, b.String()), nil
}

// wrapHTML puts a body fragment into a minimal HTML document. A body that
// is already a document is returned as it is.
func wrapHTML(subject, body string) string {
	if strings.Contains(strings.ToLower(body), "<html") {
		return body
	}
	return `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + html.EscapeString(subject) + `</title>
</head>
<body style="font-family: sans-serif; font-size: 16px; line-height: 1.5; color: #222; max-width: 36em;">
` + strings.TrimSpace(body) + `
</body>
</html>
`
}
