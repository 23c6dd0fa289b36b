package template

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// explode turns "ls" or "tree" pairs into nested maps split on "/".
func explode(pairs []*KeyPair) (map[string]any, error) {
	m := map[string]any{}
	for _, kv := range pairs {
		if err := explodeInto(m, kv.Key, kv.Value, kv.Key); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func explodeInto(m map[string]any, key, value, full string) error {
	top, rest, nested := strings.Cut(key, "/")
	if !nested {
		if key != "" {
			m[key] = value
		}
		return nil
	}
	if _, ok := m[top]; !ok {
		m[top] = map[string]any{}
	}
	sub, ok := m[top].(map[string]any)
	if !ok {
		return fmt.Errorf("explode: %q: %q already has the value %q", full, top, m[top])
	}
	return explodeInto(sub, rest, value, full)
}

// toJSON is the compact JSON of v.
func toJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("toJSON: %w", err)
	}
	return string(bytes.TrimSpace(b)), nil
}

// byTag groups "service" or "services" results by tag; ranging over the
// map visits tags in sorted order.
func byTag(in any) (map[string][]any, error) {
	m := map[string][]any{}
	switch list := in.(type) {
	case []*HealthService:
		for _, s := range list {
			for _, t := range s.Tags {
				m[t] = append(m[t], s)
			}
		}
	case []*CatalogSnippet:
		for _, s := range list {
			for _, t := range s.Tags {
				m[t] = append(m[t], s)
			}
		}
	default:
		return nil, fmt.Errorf("byTag: wrong argument type %T", in)
	}
	return m, nil
}

// join and split take the separator first so they can end a pipe:
// {{ .Tags | join "," }}.
func join(sep string, list []string) string { return strings.Join(list, sep) }

func split(sep, s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return []string{}
	}
	return strings.Split(s, sep)
}

func replaceAll(from, to, s string) string { return strings.ReplaceAll(s, from, to) }

// contains reports whether needle is in list: {{ .Tags | contains "x" }}.
func contains(needle, list any) (bool, error) { return in(list, needle) }

// in reports whether needle is an element of list (a slice or array), or
// a substring of it (a string).
func in(list, needle any) (bool, error) {
	if list == nil {
		return false, nil
	}
	lv := reflect.ValueOf(list)
	switch lv.Kind() {
	case reflect.Slice, reflect.Array:
		for i := 0; i < lv.Len(); i++ {
			item := lv.Index(i)
			if item.Kind() == reflect.Interface {
				item = item.Elem()
			}
			if item.IsValid() && item.CanInterface() && reflect.DeepEqual(item.Interface(), needle) {
				return true, nil
			}
			if item.Kind() == reflect.String {
				if s, ok := needle.(string); ok && item.String() == s {
					return true, nil
				}
			}
		}
		return false, nil
	case reflect.String:
		s, ok := needle.(string)
		return ok && strings.Contains(lv.String(), s), nil
	}
	return false, fmt.Errorf("in: cannot look into a %T", list)
}
