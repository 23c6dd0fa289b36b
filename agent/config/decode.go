package config

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// decoder turns one file's key tree into a partial config. The tree holds
// only map[string]interface{}, []interface{}, string, bool, json.Number and
// nil (see file.go). Problems are collected so one run reports them all.
type decoder struct {
	file     string
	warnings []string
	errs     []error
}

// setter decodes the value found at path.
type setter func(d *decoder, path string, v interface{})

// block describes the keys allowed in one object.
type block struct {
	name        string            // how the block is named in messages
	fields      map[string]setter // implemented keys, canonical spelling
	unsupported []string          // Consul keys ignored with a warning
	aliases     map[string]string // other spellings -> canonical key
	loose       bool              // ignore underscores and dashes when matching
}

func (d *decoder) failf(path, format string, args ...interface{}) {
	d.errs = append(d.errs, fmt.Errorf("%s: key %q: %s", d.file, path, fmt.Sprintf(format, args...)))
}

func (d *decoder) warnf(format string, args ...interface{}) {
	d.warnings = append(d.warnings, fmt.Sprintf(format, args...))
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (b *block) norm(key string) string {
	k := strings.ToLower(key)
	if b.loose {
		k = strings.NewReplacer("_", "", "-", "").Replace(k)
	}
	return k
}

// walk decodes the object v against b. prefix is the object's own path
// ("" at the top level).
func (d *decoder) walk(prefix string, v interface{}, b *block) {
	obj, ok := d.object(prefix, v)
	if !ok {
		return
	}
	canon := map[string]string{}
	for name := range b.fields {
		canon[b.norm(name)] = name
	}
	for _, name := range b.unsupported {
		canon[b.norm(name)] = name
	}
	for alias, name := range b.aliases {
		canon[b.norm(alias)] = name
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	seen := map[string]string{}
	for _, key := range keys {
		path := joinPath(prefix, key)
		name, known := canon[b.norm(key)]
		if !known {
			d.unknown(path, key, b)
			continue
		}
		if first, dup := seen[name]; dup {
			d.errs = append(d.errs, fmt.Errorf("%s: keys %q and %q both set %q; keep one",
				d.file, joinPath(prefix, first), path, joinPath(prefix, name)))
			continue
		}
		seen[name] = key
		if obj[key] == nil {
			continue
		}
		if set, ok := b.fields[name]; ok {
			set(d, path, obj[key])
			continue
		}
		d.warnf("%s: key %q is not supported yet and is ignored", d.file, path)
	}
}

func (d *decoder) unknown(path, key string, b *block) {
	allowed := make([]string, 0, len(b.fields))
	for name := range b.fields {
		allowed = append(allowed, name)
	}
	sort.Strings(allowed)
	msg := fmt.Sprintf("%s: unknown key %q; allowed keys in %s: %s",
		d.file, path, b.name, strings.Join(allowed, ", "))
	if s := b.suggest(key); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	d.errs = append(d.errs, fmt.Errorf("%s", msg))
}

// suggest returns the known key closest to key when it is a small edit away.
func (b *block) suggest(key string) string {
	names := append([]string(nil), b.unsupported...)
	for name := range b.fields {
		names = append(names, name)
	}
	sort.Strings(names)
	return closest(strings.ToLower(key), names)
}

func closest(word string, names []string) string {
	best, bestDist := "", math.MaxInt
	for _, name := range names {
		if dist := editDistance(word, strings.ToLower(name)); dist < bestDist {
			best, bestDist = name, dist
		}
	}
	limit := 2
	if len(word) <= 4 {
		limit = 1
	}
	if bestDist > limit {
		return ""
	}
	return best
}

// editDistance is the optimal-string-alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours count 1.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// describe names the JSON type of v for error messages.
func describe(v interface{}) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return fmt.Sprintf("the boolean %t", x)
	case json.Number:
		return "the number " + x.String()
	case []interface{}:
		return "a list"
	case map[string]interface{}:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("a %T", v)
}

func (d *decoder) object(path string, v interface{}) (map[string]interface{}, bool) {
	obj, ok := v.(map[string]interface{})
	if !ok {
		if path == "" {
			d.errs = append(d.errs, fmt.Errorf("%s: the file must hold an object of config keys, not %s", d.file, describe(v)))
		} else {
			d.failf(path, "expected an object, got %s", describe(v))
		}
	}
	return obj, ok
}

func (d *decoder) str(path string, v interface{}) (string, bool) {
	s, ok := v.(string)
	if !ok {
		d.failf(path, "expected a string, got %s", describe(v))
	}
	return s, ok
}

func (d *decoder) boolean(path string, v interface{}) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		d.failf(path, "expected a boolean (true or false), got %s", describe(v))
	}
	return b, ok
}

func (d *decoder) integer(path string, v interface{}) (int, bool) {
	if n, ok := v.(json.Number); ok {
		if i, err := strconv.ParseInt(n.String(), 10, 0); err == nil {
			return int(i), true
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int(f), true
		}
	}
	d.failf(path, "expected an integer, got %s", describe(v))
	return 0, false
}

// duration accepts a Go duration string; with numbers set, a number counts
// nanoseconds, as Consul's service and check definitions allow.
func (d *decoder) duration(path string, v interface{}, numbers bool) (time.Duration, bool) {
	switch x := v.(type) {
	case string:
		dur, err := time.ParseDuration(x)
		if err != nil {
			d.failf(path, "expected a duration such as \"10s\" or \"5m\", got %s", describe(v))
			return 0, false
		}
		return dur, true
	case json.Number:
		if numbers {
			if f, err := x.Float64(); err == nil {
				return time.Duration(f), true
			}
		}
	}
	if numbers {
		d.failf(path, "expected a duration such as \"10s\" (or a number of nanoseconds), got %s", describe(v))
	} else {
		d.failf(path, "expected a duration string such as \"10s\" or \"5m\", got %s", describe(v))
	}
	return 0, false
}

// strList accepts a list of strings, or one string as a list of one.
func (d *decoder) strList(path string, v interface{}) ([]string, bool) {
	if s, ok := v.(string); ok {
		return []string{s}, true
	}
	list, ok := v.([]interface{})
	if !ok {
		d.failf(path, "expected a list of strings, got %s", describe(v))
		return nil, false
	}
	out := make([]string, 0, len(list))
	for i, item := range list {
		s, ok := item.(string)
		if !ok {
			d.failf(fmt.Sprintf("%s[%d]", path, i), "expected a string, got %s", describe(item))
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func (d *decoder) strMap(path string, v interface{}) (map[string]string, bool) {
	obj, ok := d.object(path, v)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(obj))
	for k, item := range obj {
		s, ok := item.(string)
		if !ok {
			d.failf(joinPath(path, k), "expected a string, got %s", describe(item))
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// Setters that store into a partial's fields.

func strField(dst **string) setter {
	return func(d *decoder, path string, v interface{}) {
		if s, ok := d.str(path, v); ok {
			*dst = &s
		}
	}
}

func boolField(dst **bool) setter {
	return func(d *decoder, path string, v interface{}) {
		if b, ok := d.boolean(path, v); ok {
			*dst = &b
		}
	}
}

func intField(dst **int) setter {
	return func(d *decoder, path string, v interface{}) {
		if i, ok := d.integer(path, v); ok {
			*dst = &i
		}
	}
}

func durField(dst **time.Duration) setter {
	return func(d *decoder, path string, v interface{}) {
		if dur, ok := d.duration(path, v, false); ok {
			*dst = &dur
		}
	}
}

func listField(dst *[]string) setter {
	return func(d *decoder, path string, v interface{}) {
		if l, ok := d.strList(path, v); ok {
			*dst = append(*dst, l...)
		}
	}
}

func mapField(dst *map[string]string) setter {
	return func(d *decoder, path string, v interface{}) {
		if m, ok := d.strMap(path, v); ok {
			if *dst == nil {
				*dst = map[string]string{}
			}
			for k, val := range m {
				(*dst)[k] = val
			}
		}
	}
}

// durMapField decodes an object of duration strings (dns_config.service_ttl).
func durMapField(dst *map[string]time.Duration) setter {
	return func(d *decoder, path string, v interface{}) {
		obj, ok := d.object(path, v)
		if !ok {
			return
		}
		for k, item := range obj {
			dur, ok := d.duration(joinPath(path, k), item, false)
			if !ok {
				continue
			}
			if *dst == nil {
				*dst = map[string]time.Duration{}
			}
			(*dst)[k] = dur
		}
	}
}

func blockField(b *block) setter {
	return func(d *decoder, path string, v interface{}) {
		d.walk(path, v, b)
	}
}
