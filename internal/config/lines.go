package config

import (
	"strconv"
	"strings"
)

// lineIndex maps key paths ("imap.address", "sequence[1]",
// "sequence[1].steps[0].after") to the 1-based line where they are
// written. BurntSushi/toml keeps key positions private, so indexLines scans
// the file itself. It runs only on files toml already accepted, so it can
// be forgiving: on anything unexpected it stops, and the keys it has not
// reached fall back to their enclosing table, or to line 0.
type lineIndex map[string]int

// find returns the line of key, else of its nearest ancestor that has one,
// else 0.
func (ix lineIndex) find(key string) int {
	for key != "" {
		if n, ok := ix[key]; ok {
			return n
		}
		key = parentKey(key)
	}
	return 0
}

type lineScanner struct {
	src    string
	pos    int
	line   int
	ix     lineIndex
	arrays map[string]int // array-of-tables path -> elements seen
}

// indexLines builds the lineIndex of a syntactically valid TOML document.
func indexLines(src string) (ix lineIndex) {
	s := &lineScanner{src: src, line: 1, ix: lineIndex{}, arrays: map[string]int{}}
	ix = s.ix
	// Lines are best effort: running off the end or getting stuck on input
	// the scanner does not understand stops it, keeping what it indexed.
	defer func() { _ = recover() }()
	s.document()
	return ix
}

// errStuck stops a scan that would otherwise loop without progress.
type errStuck struct{}

// progressed panics with errStuck if the scanner has not moved since from.
func (s *lineScanner) progressed(from int) {
	if s.pos == from {
		panic(errStuck{})
	}
}

func (s *lineScanner) peek() byte {
	if s.pos < len(s.src) {
		return s.src[s.pos]
	}
	return 0
}

func (s *lineScanner) next() byte {
	c := s.src[s.pos]
	s.pos++
	if c == '\n' {
		s.line++
	}
	return c
}

func (s *lineScanner) mark(key string, line int) {
	if _, ok := s.ix[key]; !ok {
		s.ix[key] = line
	}
}

// skip skips spaces and tabs, plus newlines and comments if nl is set.
func (s *lineScanner) skip(nl bool) {
	for s.pos < len(s.src) {
		switch c := s.peek(); {
		case c == ' ' || c == '\t' || c == '\r':
			s.next()
		case c == '\n' && nl:
			s.next()
		case c == '#' && nl:
			for s.pos < len(s.src) && s.peek() != '\n' {
				s.next()
			}
		default:
			return
		}
	}
}

func (s *lineScanner) document() {
	table := ""
	for {
		s.skip(true)
		if s.pos >= len(s.src) {
			return
		}
		line, from := s.line, s.pos
		if s.peek() != '[' {
			s.keyValue(table)
			s.progressed(from)
			continue
		}
		s.next()
		array := s.peek() == '['
		if array {
			s.next()
		}
		segs := s.key()
		table = s.tablePath(segs, array)
		s.mark(table, line)
		for s.pos < len(s.src) && s.peek() != ']' {
			s.next()
		}
		s.next()
		if array {
			s.next()
		}
	}
}

// tablePath resolves a [table] or [[array]] header to a key path, indexing
// into the last element of any array of tables on the way.
func (s *lineScanner) tablePath(segs []string, array bool) string {
	path := ""
	for i, seg := range segs {
		path = joinKey(path, seg)
		n, isArray := s.arrays[path]
		if i == len(segs)-1 && array {
			s.mark(path, s.line)
			s.arrays[path] = n + 1
			return indexKey(path, n)
		}
		if isArray && n > 0 {
			path = indexKey(path, n-1)
		}
	}
	return path
}

// keyValue scans `a.b = value` inside table.
func (s *lineScanner) keyValue(table string) {
	line := s.line
	path := table
	for _, seg := range s.key() {
		path = joinKey(path, seg)
		s.mark(path, line)
	}
	s.skip(false)
	if s.peek() == '=' {
		s.next()
	}
	s.skip(false)
	s.value(path)
}

// key scans a possibly dotted, possibly quoted key and returns its parts.
func (s *lineScanner) key() []string {
	var segs []string
	for {
		s.skip(false)
		start := s.pos
		switch s.peek() {
		case '"':
			s.str('"', true)
			seg, err := strconv.Unquote(s.src[start:s.pos])
			if err != nil {
				seg = s.src[start+1 : s.pos-1]
			}
			segs = append(segs, seg)
		case '\'':
			s.str('\'', false)
			segs = append(segs, s.src[start+1:s.pos-1])
		default:
			for s.pos < len(s.src) && isBareKey(s.src[s.pos:s.pos+1]) {
				s.next()
			}
			segs = append(segs, s.src[start:s.pos])
		}
		s.skip(false)
		if s.peek() != '.' {
			return segs
		}
		s.next()
	}
}

// str scans a one-line string opened by quote at s.pos.
func (s *lineScanner) str(quote byte, escapes bool) {
	s.next()
	for s.pos < len(s.src) {
		c := s.next()
		if c == '\\' && escapes {
			s.next()
		} else if c == quote {
			return
		}
	}
}

// multiline scans a multi-line string, opened by three quotes at s.pos.
func (s *lineScanner) multiline(quote byte, escapes bool) {
	delim := strings.Repeat(string(quote), 3)
	s.pos += 3
	for s.pos < len(s.src) {
		if strings.HasPrefix(s.src[s.pos:], delim) {
			s.pos += 3
			for s.peek() == quote { // up to two quotes may end the content
				s.next()
			}
			return
		}
		if c := s.next(); c == '\\' && escapes {
			s.next()
		}
	}
}

// value scans the value at s.pos, indexing array elements and inline table
// keys under path.
func (s *lineScanner) value(path string) {
	switch c := s.peek(); {
	case strings.HasPrefix(s.src[s.pos:], `"""`):
		s.multiline('"', true)
	case strings.HasPrefix(s.src[s.pos:], `'''`):
		s.multiline('\'', false)
	case c == '"' || c == '\'':
		s.str(c, c == '"')
	case c == '[':
		s.next()
		for i := 0; ; i++ {
			s.skip(true)
			if s.peek() == ']' || s.pos >= len(s.src) {
				break
			}
			from := s.pos
			s.mark(indexKey(path, i), s.line)
			s.value(indexKey(path, i))
			s.progressed(from)
			s.skip(true)
			if s.peek() == ',' {
				s.next()
			}
		}
		s.next()
	case c == '{':
		s.next()
		for {
			s.skip(true)
			if s.peek() == '}' || s.pos >= len(s.src) {
				break
			}
			from := s.pos
			s.keyValue(path)
			s.progressed(from)
			s.skip(true)
			if s.peek() == ',' {
				s.next()
			}
		}
		s.next()
	default: // number, boolean, date-time: up to the next delimiter
		for s.pos < len(s.src) && !strings.ContainsRune(",]}\n#", rune(s.peek())) {
			s.next()
		}
	}
}
