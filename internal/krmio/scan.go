package krmio

// CountNodes estimates how many nodes go-yaml's parser builds for the
// YAML documents of b, without building any: a scan that counts what
// starts a node (a block sequence entry, a mapping key and its value, a
// flow collection and each of its elements, a document's root) and skips
// what holds none (comments, quoted and block scalars). It is meant to
// bound the memory a parse of untrusted input may take before the parser
// takes it, so it errs towards counting more: a plain flow scalar
// holding ':' may count twice. Its tests compare it with go-yaml's counts.
func CountNodes(b []byte) int {
	nodes, _ := Scan(b)
	return nodes
}

// Scan is CountNodes, and how deep the documents nest collections (block
// levels by indentation and "- " entries, flow levels by brackets), as
// estimated by the same scan.
func Scan(b []byte) (nodes, depth int) {
	s := scanner{b: b}
	return s.count(), s.depth
}

type scanner struct {
	b       []byte
	i       int
	nodes   int
	indents []int // the indentations of the block levels open
	level   int   // the block level of the line being scanned
	depth   int   // the deepest level seen
}

// deeper records that a node at level l exists.
func (s *scanner) deeper(l int) {
	s.depth = max(s.depth, l)
}

func (s *scanner) count() int {
	for s.i < len(s.b) {
		s.line()
	}
	return s.nodes
}

// line scans one line of block context (and any flow collection or quoted
// scalar that starts on it, to their ends).
func (s *scanner) line() {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] == ' ' {
		s.i++
	}
	indent := s.i - start
	if !s.restBlank() {
		for len(s.indents) > 0 && s.indents[len(s.indents)-1] >= indent {
			s.indents = s.indents[:len(s.indents)-1]
		}
		s.indents = append(s.indents, indent)
		s.level = len(s.indents)
		s.deeper(s.level)
	}
	if s.at("---") || s.at("...") {
		s.i += 3 // the root of the document follows, maybe on this line
	} else if s.i < len(s.b) && s.b[s.i] == '%' && indent == 0 {
		s.skipLine() // a directive
		return
	}
	value := true // a node may start here
	owner := -1   // the column of the last key or entry: a block scalar's content is indented further
	for s.i < len(s.b) {
		c := s.b[s.i]
		col := s.i - start
		switch {
		case c == '\n':
			s.i++
			return
		case c == ' ' || c == '\t' || c == '\r':
			s.i++
		case c == '#':
			s.skipLine()
			return
		case c == '-' && s.blank(s.i+1):
			s.nodes++ // an entry holds a node
			owner, value = col, true
			s.level++
			s.deeper(s.level)
			s.i++
		case c == '?' && s.blank(s.i+1):
			value = true
			s.i++
		case c == ':' && s.blank(s.i+1):
			s.i++
			if s.restBlank() {
				s.nodes++ // an empty value, or the collection of the lines that follow
			}
			value = true
		case (c == '|' || c == '>') && value:
			s.nodes++
			if owner < 0 {
				owner = col - 1
			}
			s.blockScalar(owner)
			return
		case c == '[' || c == '{':
			s.nodes++
			s.flowCollection()
			value = false
		case c == '"' || c == '\'':
			s.nodes++
			s.quoted(c)
			owner, value = col, false
		case c == '&' || c == '!':
			s.skipWord() // an anchor or a tag: part of the node that follows
		case c == '*':
			s.nodes++ // an alias
			s.skipWord()
			value = false
		default:
			// A plain scalar (a key or a value), up to ": ", " #" or the
			// end of the line.
			s.nodes++
			owner, value = col, false
			for s.i < len(s.b) && s.b[s.i] != '\n' {
				if s.b[s.i] == ':' && s.blank(s.i+1) {
					break
				}
				if s.b[s.i] == '#' && (s.b[s.i-1] == ' ' || s.b[s.i-1] == '\t') {
					break
				}
				s.i++
			}
		}
	}
}

// restBlank says whether only blanks or a comment follow on the line.
func (s *scanner) restBlank() bool {
	for j := s.i; j < len(s.b); j++ {
		switch s.b[j] {
		case ' ', '\t', '\r':
		case '\n', '#':
			return true
		default:
			return false
		}
	}
	return true
}

// blockScalar skips a literal or folded scalar: the rest of its line, then
// every line that is blank or indented more than owner.
func (s *scanner) blockScalar(owner int) {
	s.skipLine()
	for s.i < len(s.b) {
		j := s.i
		for j < len(s.b) && s.b[j] == ' ' {
			j++
		}
		if j < len(s.b) && s.b[j] != '\n' && s.b[j] != '\r' && j-s.i <= owner {
			return // the scalar's owner's level again: structure
		}
		s.i = j
		s.skipLine()
	}
}

// flowCollection scans a flow sequence or mapping from its opening
// indicator to the matching closing one, counting each element (and each
// value of a flow mapping).
func (s *scanner) flowCollection() {
	depth := 0
	element := false // whether a scalar element has started and not ended
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '[' || c == '{':
			if depth > 0 {
				s.nodes++
			}
			depth++
			s.deeper(s.level + depth)
			element = false
			s.i++
		case c == ']' || c == '}':
			depth--
			s.i++
			if depth == 0 {
				return
			}
			element = false
		case c == ',':
			element = false
			s.i++
		case c == ':' && (s.blank(s.i+1) || s.flowIndicator(s.i+1) || s.prevQuoted()):
			element = false
			s.i++
		case c == '"' || c == '\'':
			s.nodes++
			s.quoted(c)
			element = true
		case c == '#' && s.i > 0 && (s.b[s.i-1] == ' ' || s.b[s.i-1] == '\t' || s.b[s.i-1] == '\n'):
			s.skipLine()
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			s.i++
		default:
			if !element {
				s.nodes++
				element = true
			}
			s.i++
		}
	}
}

// quoted skips a single- or double-quoted scalar, which may span lines.
func (s *scanner) quoted(q byte) {
	s.i++
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case q == '"' && c == '\\':
			s.i += 2
			continue
		case c == q && q == '\'' && s.i+1 < len(s.b) && s.b[s.i+1] == '\'':
			s.i += 2
			continue
		case c == q:
			s.i++
			return
		}
		s.i++
	}
}

// prevQuoted says whether the character before s.i closes a quoted scalar
// (a JSON key, after which ':' needs no blank).
func (s *scanner) prevQuoted() bool {
	return s.i > 0 && (s.b[s.i-1] == '"' || s.b[s.i-1] == '\'')
}

func (s *scanner) flowIndicator(i int) bool {
	return i < len(s.b) && (s.b[i] == ',' || s.b[i] == ']' || s.b[i] == '}' || s.b[i] == '[' || s.b[i] == '{')
}

// blank says whether b[i] is white space or the end.
func (s *scanner) blank(i int) bool {
	return i >= len(s.b) || s.b[i] == ' ' || s.b[i] == '\t' || s.b[i] == '\n' || s.b[i] == '\r'
}

func (s *scanner) at(marker string) bool {
	return len(s.b)-s.i >= len(marker) && string(s.b[s.i:s.i+len(marker)]) == marker && s.blank(s.i+len(marker))
}

func (s *scanner) skipLine() {
	for s.i < len(s.b) && s.b[s.i] != '\n' {
		s.i++
	}
	if s.i < len(s.b) {
		s.i++
	}
}

func (s *scanner) skipWord() {
	for s.i < len(s.b) && !s.blank(s.i) {
		s.i++
	}
}
