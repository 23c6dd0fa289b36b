package acl

import "strings"

// tree holds one resource kind's rules, keyed by segment, in a compressed
// radix tree: every segment that has a rule is a node, and a node holds
// both the exact rule (key "x") and the prefix rule (key_prefix "x") for
// its segment. A decision walks the name once, so it costs O(len(name))
// whatever the number of rules, and allocates nothing.
//
// A tree is built once by New and only read afterwards, so it is safe for
// concurrent readers.
type tree struct {
	root node
}

type node struct {
	label    string // the edge from the parent: this node's segment minus the parent's
	exact    Access
	prefix   Access
	children []*node // sorted by label[0]; labels are never empty below the root
}

// child returns the child whose label starts with b, or nil.
func (n *node) child(b byte) *node {
	// Nodes have few children; a linear scan beats a binary search here.
	for _, c := range n.children {
		if c.label[0] == b {
			return c
		}
	}
	return nil
}

// addChild inserts c keeping children sorted by first byte.
func (n *node) addChild(c *node) {
	i := 0
	for i < len(n.children) && n.children[i].label[0] < c.label[0] {
		i++
	}
	n.children = append(n.children, nil)
	copy(n.children[i+1:], n.children[i:])
	n.children[i] = c
}

// insert merges a rule for segment into the tree: a prefix rule when
// isPrefix, an exact rule otherwise. A second rule for the same segment
// and kind merges with stronger, so deny wins.
func (t *tree) insert(segment string, isPrefix bool, a Access) {
	n := t.nodeFor(segment)
	if isPrefix {
		n.prefix = stronger(n.prefix, a)
	} else {
		n.exact = stronger(n.exact, a)
	}
}

// nodeFor returns the node for segment, splitting an edge or adding a
// leaf as needed.
func (t *tree) nodeFor(segment string) *node {
	n := &t.root
	rest := segment
	for rest != "" {
		c := n.child(rest[0])
		if c == nil {
			leaf := &node{label: rest}
			n.addChild(leaf)
			return leaf
		}
		common := commonPrefixLen(rest, c.label)
		if common == len(c.label) {
			n, rest = c, rest[common:]
			continue
		}
		// Split c's edge at common: a new node takes the shared part and
		// adopts c under the remainder of its label.
		mid := &node{label: c.label[:common]}
		c.label = c.label[common:]
		mid.children = []*node{c}
		for i := range n.children {
			if n.children[i] == c {
				n.children[i] = mid
			}
		}
		if common == len(rest) {
			return mid
		}
		leaf := &node{label: rest[common:]}
		mid.addChild(leaf)
		return leaf
	}
	return n
}

func commonPrefixLen(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// lookup returns the disposition for name: its exact rule if it has one,
// otherwise the rule of the longest prefix rule matching it, otherwise
// AccessDefault.
func (t *tree) lookup(name string) Access {
	exact, prefix := t.match(name)
	if exact != AccessDefault {
		return exact
	}
	return prefix
}

// match returns name's exact rule and the longest prefix rule that matches
// name (the empty prefix matches everything), each AccessDefault if none.
func (t *tree) match(name string) (exact, prefix Access) {
	n := &t.root
	rest := name
	for {
		if n.prefix != AccessDefault {
			prefix = n.prefix
		}
		if rest == "" {
			return n.exact, prefix
		}
		c := n.child(rest[0])
		if c == nil || !strings.HasPrefix(rest, c.label) {
			return AccessDefault, prefix
		}
		n, rest = c, rest[len(c.label):]
	}
}

// allUnder reports whether every rule, exact or prefix, whose segment
// starts with prefix (including prefix itself) satisfies ok.
func (t *tree) allUnder(prefix string, ok func(Access) bool) bool {
	n := &t.root
	rest := prefix
	for rest != "" {
		c := n.child(rest[0])
		if c == nil {
			return true
		}
		if len(rest) <= len(c.label) {
			if !strings.HasPrefix(c.label, rest) {
				return true
			}
			n, rest = c, ""
			break
		}
		if !strings.HasPrefix(rest, c.label) {
			return true
		}
		n, rest = c, rest[len(c.label):]
	}
	return n.all(ok)
}

// all reports whether every rule in n's subtree satisfies ok.
func (n *node) all(ok func(Access) bool) bool {
	if n.exact != AccessDefault && !ok(n.exact) {
		return false
	}
	if n.prefix != AccessDefault && !ok(n.prefix) {
		return false
	}
	for _, c := range n.children {
		if !c.all(ok) {
			return false
		}
	}
	return true
}
