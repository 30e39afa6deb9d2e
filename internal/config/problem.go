package config

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a config file.
type Problem struct {
	File string // the file as named to Load or Parse
	Line int    // 1-based; 0 when unknown
	Key  string // key path such as "sequence[1].steps[0].after"; may be empty
	Msg  string // what is wrong; never contains a secret
}

// String returns "file:line: key: msg", leaving out the line when it is 0
// and the key when it is empty.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is every problem found in a config file, in file order (problems
// whose line is unknown come last). Load and Parse return it as *Error.
type Error struct {
	Problems []Problem
}

// Error returns the problems, one per line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems for one file, finding lines by key path.
type problems struct {
	file  string
	lines lineIndex
	list  []Problem
}

// add records a problem at key, on the line where key (or, failing that,
// its nearest enclosing table or array) is written.
func (ps *problems) add(key, format string, args ...any) {
	ps.list = append(ps.list, Problem{
		File: ps.file,
		Line: ps.lines.find(key),
		Key:  key,
		Msg:  fmt.Sprintf(format, args...),
	})
}

// err returns nil if no problem was recorded, else an *Error with the
// problems sorted by line.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := append([]Problem(nil), ps.list...)
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].Line, list[j].Line
		if a == 0 || b == 0 {
			return a != 0 && b == 0
		}
		return a < b
	})
	return &Error{Problems: list}
}
