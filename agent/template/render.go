package template

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"text/template"
	"time"
)

// answers is what a render reads: the latest result of each query, by id.
// A query with no entry has not answered yet.
type answers interface {
	get(id string) (any, bool)
}

// pass is one execution of a template. The API functions record every
// query they make, and whether the output is complete: it is not when a
// query has no answer yet or "key" names a missing key (consul-template
// waits for that key rather than render without it).
type pass struct {
	data       answers
	used       map[string]query
	incomplete bool
	now        func() time.Time
	env        func(string) string
}

// render executes src once against data. complete is false when the
// output must not be written; used lists every query the execution made,
// which the caller keeps watched.
func render(name, src string, data answers, now func() time.Time, env func(string) string) (out []byte, used map[string]query, complete bool, err error) {
	p := &pass{data: data, used: map[string]query{}, now: now, env: env}
	t, err := template.New(name).Funcs(p.funcs()).Parse(src)
	if err != nil {
		return nil, nil, false, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, nil); err != nil {
		return nil, p.used, false, err
	}
	return buf.Bytes(), p.used, !p.incomplete, nil
}

// parseCheck reports a template's syntax errors, for validation before
// anything runs.
func parseCheck(name, src string) error {
	p := &pass{}
	_, err := template.New(name).Funcs(p.funcs()).Parse(src)
	return err
}

// recall registers q and returns its answer, if any.
func (p *pass) recall(q query) (any, bool) {
	p.used[q.id()] = q
	v, ok := p.data.get(q.id())
	if !ok {
		p.incomplete = true
	}
	return v, ok
}

func (p *pass) funcs() template.FuncMap {
	return template.FuncMap{
		// API functions.
		"service":      p.service,
		"services":     p.services,
		"nodes":        p.nodes,
		"node":         p.node,
		"key":          p.key,
		"keyOrDefault": p.keyOrDefault,
		"ls":           p.ls,
		"tree":         p.tree,
		// Helpers.
		"env":        p.envFunc,
		"timestamp":  p.timestamp,
		"explode":    explode,
		"toJSON":     toJSON,
		"byTag":      byTag,
		"join":       join,
		"split":      split,
		"replaceAll": replaceAll,
		"toLower":    strings.ToLower,
		"toUpper":    strings.ToUpper,
		"contains":   contains,
		"in":         in,
	}
}

func (p *pass) service(args ...string) ([]*HealthService, error) {
	q, err := parseService(args)
	if err != nil {
		return nil, err
	}
	if v, ok := p.recall(q); ok {
		return v.([]*HealthService), nil
	}
	return nil, nil
}

func (p *pass) services(args ...string) ([]*CatalogSnippet, error) {
	dc, err := parseDCOnly("services", args)
	if err != nil {
		return nil, err
	}
	if v, ok := p.recall(&servicesQuery{dc: dc}); ok {
		return v.([]*CatalogSnippet), nil
	}
	return nil, nil
}

func (p *pass) nodes(args ...string) ([]*Node, error) {
	dc, err := parseDCOnly("nodes", args)
	if err != nil {
		return nil, err
	}
	if v, ok := p.recall(&nodesQuery{dc: dc}); ok {
		return v.([]*Node), nil
	}
	return nil, nil
}

func (p *pass) node(args ...string) (*CatalogNode, error) {
	q, err := parseNode(args)
	if err != nil {
		return nil, err
	}
	if v, ok := p.recall(q); ok {
		return v.(*CatalogNode), nil
	}
	return nil, nil
}

func (p *pass) kvGet(fn, s string) (kvValue, bool, error) {
	key, dc, err := parseKV(fn, s)
	if err != nil {
		return kvValue{}, false, err
	}
	v, ok := p.recall(&kvGetQuery{key: key, dc: dc})
	if !ok {
		return kvValue{}, false, nil
	}
	return v.(kvValue), true, nil
}

func (p *pass) key(s string) (string, error) {
	v, ok, err := p.kvGet("key", s)
	if err != nil || !ok {
		return "", err
	}
	if !v.exists {
		p.incomplete = true // blocks until the key exists, as consul-template does
	}
	return v.value, nil
}

func (p *pass) keyOrDefault(s, def string) (string, error) {
	v, ok, err := p.kvGet("keyOrDefault", s)
	if err != nil {
		return "", err
	}
	if !ok || !v.exists {
		return def, nil
	}
	return v.value, nil
}

func (p *pass) kvList(fn, s string) ([]*KeyPair, error) {
	prefix, dc, err := parseKV(fn, s)
	if err != nil {
		return nil, err
	}
	v, ok := p.recall(&kvListQuery{prefix: prefix, dc: dc})
	if !ok {
		return nil, nil
	}
	return v.([]*KeyPair), nil
}

// ls keeps the top-level pairs: no "/" in the relative key, and not the
// prefix itself.
func (p *pass) ls(s string) ([]*KeyPair, error) {
	all, err := p.kvList("ls", s)
	out := []*KeyPair{}
	for _, kv := range all {
		if kv.Key != "" && !strings.Contains(kv.Key, "/") {
			out = append(out, kv)
		}
	}
	return out, err
}

// tree keeps every pair but the "folders" (keys ending in "/").
func (p *pass) tree(s string) ([]*KeyPair, error) {
	all, err := p.kvList("tree", s)
	out := []*KeyPair{}
	for _, kv := range all {
		parts := strings.Split(kv.Key, "/")
		if parts[len(parts)-1] != "" {
			out = append(out, kv)
		}
	}
	return out, err
}

func (p *pass) envFunc(name string) string {
	if p.env != nil {
		return p.env(name)
	}
	return os.Getenv(name)
}

// timestamp is the time in UTC: RFC 3339 by default, a Go layout when
// given one, or Unix seconds for "unix".
func (p *pass) timestamp(args ...string) (string, error) {
	now := time.Now
	if p.now != nil {
		now = p.now
	}
	t := now().UTC()
	switch len(args) {
	case 0:
		return t.Format(time.RFC3339), nil
	case 1:
		if args[0] == "unix" {
			return fmt.Sprint(t.Unix()), nil
		}
		return t.Format(args[0]), nil
	}
	return "", fmt.Errorf("timestamp: expected 0 or 1 arguments, got %d", len(args))
}
