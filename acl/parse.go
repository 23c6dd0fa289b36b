package acl

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
	hclstrconv "github.com/hashicorp/hcl/hcl/strconv"
	"github.com/hashicorp/hcl/hcl/token"
)

// resource is a kind of thing rules govern.
type resource int

const (
	resKey resource = iota
	resService
	resNode
	resAgent
	resSession
	resEvent
	resQuery
	resOperator
	resKeyring
	resACL
	resMesh
	numResources
)

// numSegmented counts the resources that take segments (and have _prefix
// forms); they come first, so they index arrays of rule trees.
const numSegmented = resOperator

// resourceNames maps the rule language's words to resources; the _prefix
// forms are the same resources with prefix rules.
var resourceNames = map[string]resource{
	"key":      resKey,
	"service":  resService,
	"node":     resNode,
	"agent":    resAgent,
	"session":  resSession,
	"event":    resEvent,
	"query":    resQuery,
	"operator": resOperator,
	"keyring":  resKeyring,
	"acl":      resACL,
	"mesh":     resMesh,
}

// rule is one parsed rule. segment and prefix are unused for the
// unsegmented resources.
type rule struct {
	res     resource
	segment string
	prefix  bool
	access  Access
}

// Policy is a parsed set of rules, ready to be merged by New. A Policy is
// immutable and may be shared between goroutines and authorizers.
type Policy struct {
	rules []rule
}

// Parse reads rules written in Consul's rule language, HCL 1 or its JSON
// form. Empty rules give a policy with no rules. Errors name the offending
// rule, for example `key_prefix "app/": invalid policy "writ"`; unknown
// resources are errors, and so is `list` on anything but key and
// key_prefix. The `intentions` field of service rules is accepted and
// ignored.
func Parse(rules string) (*Policy, error) {
	// HCL reads text starting with '{' as JSON, but its JSON parser
	// accepts some truncated documents; check them with encoding/json.
	if strings.HasPrefix(strings.TrimLeftFunc(rules, unicode.IsSpace), "{") {
		var v any
		if err := json.Unmarshal([]byte(rules), &v); err != nil {
			return nil, fmt.Errorf("malformed rules: %w", err)
		}
	}
	f, err := hcl.Parse(rules)
	if err != nil {
		return nil, fmt.Errorf("malformed rules: %w", err)
	}
	list, ok := f.Node.(*ast.ObjectList)
	if !ok {
		return nil, fmt.Errorf("malformed rules: expected a list of rules")
	}
	p := &Policy{}
	for _, item := range list.Items {
		if err := p.parseItem(nil, item); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// parseItem reads one top-level item, or one entry of a block that groups
// several segments (`key_prefix { "a/" { ... } }`, or JSON that HCL did
// not flatten); outer holds the labels of the enclosing block.
func (p *Policy) parseItem(outer []string, item *ast.ObjectItem) error {
	keys, err := keyTexts(item.Keys)
	if err != nil {
		return err
	}
	labels := append(append([]string(nil), outer...), keys...)
	if len(labels) == 0 {
		return fmt.Errorf("malformed rules: item without a name")
	}
	word := labels[0]
	res, prefix, ok := lookupResource(word)
	if !ok {
		return fmt.Errorf("unknown rule %q", word)
	}
	if res >= numSegmented {
		if len(labels) > 1 {
			return fmt.Errorf("%s: takes no segment, write %s = \"read\"", word, word)
		}
		s, ok, err := stringValue(item.Val)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%s: expected a policy string such as %s = \"read\"", word, word)
		}
		a, ok := parseAccess(s, false)
		if !ok {
			return fmt.Errorf("%s: invalid policy %q", word, s)
		}
		p.rules = append(p.rules, rule{res: res, access: a})
		return nil
	}
	switch len(labels) {
	case 1:
		// A block of segments: each entry is `"segment" { policy = ... }`.
		switch v := item.Val.(type) {
		case *ast.ObjectType:
			for _, inner := range v.List.Items {
				if err := p.parseItem(labels, inner); err != nil {
					return err
				}
			}
			return nil
		case *ast.ListType:
			for _, elem := range v.List {
				obj, ok := elem.(*ast.ObjectType)
				if !ok {
					return fmt.Errorf("%s: expected %s \"<segment>\" { policy = \"...\" }", word, word)
				}
				for _, inner := range obj.List.Items {
					if err := p.parseItem(labels, inner); err != nil {
						return err
					}
				}
			}
			return nil
		}
		return fmt.Errorf("%s: expected %s \"<segment>\" { policy = \"...\" }", word, word)
	case 2:
		return p.parseBody(res, prefix, word, labels[1], item.Val)
	default:
		return fmt.Errorf("%s %q: too many labels", word, labels[1])
	}
}

// parseBody reads `{ policy = "..." }` for a segmented rule.
func (p *Policy) parseBody(res resource, prefix bool, word, segment string, val ast.Node) error {
	name := fmt.Sprintf("%s %q", word, segment)
	obj, ok := val.(*ast.ObjectType)
	if !ok {
		return fmt.Errorf("%s: expected { policy = \"...\" }", name)
	}
	allowList := res == resKey
	var policy string
	var havePolicy, haveIntentions bool
	for _, field := range obj.List.Items {
		keys, err := keyTexts(field.Keys)
		if err != nil {
			return err
		}
		if len(keys) != 1 {
			return fmt.Errorf("%s: unexpected block inside the rule", name)
		}
		s, ok, err := stringValue(field.Val)
		if err != nil {
			return err
		}
		switch keys[0] {
		case "policy":
			if !ok {
				return fmt.Errorf("%s: policy must be a string", name)
			}
			policy, havePolicy = s, true
		case "intentions":
			if res != resService {
				return fmt.Errorf("%s: unknown field \"intentions\"", name)
			}
			if !ok {
				return fmt.Errorf("%s: intentions must be a string", name)
			}
			if _, valid := parseAccess(s, false); !valid {
				return fmt.Errorf("%s: invalid intentions %q", name, s)
			}
			haveIntentions = true
		default:
			return fmt.Errorf("%s: unknown field %q", name, keys[0])
		}
	}
	if !havePolicy {
		if haveIntentions {
			// Consul allows a service rule that governs only intentions;
			// concord has no intentions, so the rule grants nothing.
			return nil
		}
		return fmt.Errorf("%s: missing policy", name)
	}
	a, ok := parseAccess(policy, allowList)
	if !ok {
		if policy == "list" {
			return fmt.Errorf("%s: invalid policy \"list\" (list is only for key and key_prefix)", name)
		}
		return fmt.Errorf("%s: invalid policy %q", name, policy)
	}
	p.rules = append(p.rules, rule{res: res, segment: segment, prefix: prefix, access: a})
	return nil
}

// lookupResource resolves a rule's first word: `key` or `key_prefix` and so
// on for the segmented resources, the bare word for the others.
func lookupResource(word string) (res resource, prefix bool, ok bool) {
	if r, found := resourceNames[word]; found {
		return r, false, true
	}
	if base, cut := strings.CutSuffix(word, "_prefix"); cut {
		if r, found := resourceNames[base]; found && r < numSegmented {
			return r, true, true
		}
	}
	return 0, false, false
}

// keyTexts returns an item's keys as plain strings: identifiers as written,
// quoted strings unquoted.
func keyTexts(keys []*ast.ObjectKey) ([]string, error) {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		s, err := tokenString(k.Token)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// tokenString returns an identifier's or a string's text. Unlike
// token.Value it returns an error instead of panicking on a bad escape.
func tokenString(t token.Token) (string, error) {
	switch t.Type {
	case token.IDENT:
		return t.Text, nil
	case token.STRING:
		if t.Text == "" { // JSON null
			return "", nil
		}
		unquote := hclstrconv.Unquote
		if t.JSON {
			unquote = strconv.Unquote
		}
		s, err := unquote(t.Text)
		if err != nil {
			return "", fmt.Errorf("malformed rules: string %s: %w", t.Text, err)
		}
		return s, nil
	}
	return "", fmt.Errorf("malformed rules: unexpected %s %s", t.Type, t.Text)
}

// stringValue returns the string a literal holds; ok is false when n is
// not a string literal.
func stringValue(n ast.Node) (s string, ok bool, err error) {
	lit, isLit := n.(*ast.LiteralType)
	if !isLit || lit.Token.Type != token.STRING {
		return "", false, nil
	}
	s, err = tokenString(lit.Token)
	return s, err == nil, err
}
