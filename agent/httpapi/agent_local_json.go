package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// looseObject is one JSON object of an agent registration body, read the
// way Consul's agent API reads it: keys match case-insensitively and with
// underscores ignored, so "DeregisterCriticalServiceAfter",
// "deregistercriticalserviceafter" and "deregister_critical_service_after"
// are one key. A null member counts as absent. Keys nobody asks for are
// ignored, as Consul ignores them.
type looseObject struct {
	// path is where the object sits in the body ("Checks[1]"), "" for the
	// body itself; errors name fields by it.
	path   string
	fields map[string]json.RawMessage
}

// normKey is the form keys are matched in.
func normKey(k string) string {
	return strings.ToLower(strings.ReplaceAll(k, "_", ""))
}

// joinField names a field inside path.
func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// decodeError is the 400 for a malformed field.
func decodeError(field, format string, args ...interface{}) error {
	return badRequest("Request decode failed: %s: %s", field, fmt.Sprintf(format, args...))
}

// isNull reports an absent or null JSON value.
func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// parseObject reads raw as an object at path; ok is false when raw is
// absent or null.
func parseObject(path string, raw json.RawMessage) (o *looseObject, ok bool, err error) {
	if isNull(raw) {
		return nil, false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		where := path
		if where == "" {
			where = "body"
		}
		return nil, false, decodeError(where, "expected a JSON object")
	}
	o = &looseObject{path: path, fields: make(map[string]json.RawMessage, len(m))}
	// Sorted, so that of two spellings of one key the same one always wins.
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !isNull(m[k]) {
			o.fields[normKey(k)] = m[k]
		}
	}
	return o, true, nil
}

// get returns the first of names that is present and not null, with the
// field's path.
func (o *looseObject) get(names ...string) (json.RawMessage, string, bool) {
	for _, n := range names {
		if raw, ok := o.fields[normKey(n)]; ok {
			return raw, joinField(o.path, n), true
		}
	}
	return nil, "", false
}

func (o *looseObject) has(names ...string) bool {
	_, _, ok := o.get(names...)
	return ok
}

func (o *looseObject) str(dst *string, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return decodeError(field, "expected a string")
	}
	return nil
}

// boolean accepts true and false, and the strings "true" and "false".
func (o *looseObject) boolean(dst *bool, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	if json.Unmarshal(raw, dst) == nil {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "true":
			*dst = true
			return nil
		case "false":
			*dst = false
			return nil
		}
	}
	return decodeError(field, "expected true or false")
}

// integer reads a whole number; unsigned refuses a negative one.
func (o *looseObject) integer(dst *int, unsigned bool, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		return decodeError(field, "expected a whole number, got %s", raw)
	}
	if unsigned && f < 0 {
		return decodeError(field, "%v must not be negative", f)
	}
	*dst = int(f)
	return nil
}

// duration reads a Go duration string ("10s"; "" is zero) or a number of
// nanoseconds, and refuses a negative one.
func (o *looseObject) duration(dst *time.Duration, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	var d time.Duration
	var s string
	var f float64
	switch {
	case json.Unmarshal(raw, &s) == nil:
		if s != "" {
			var err error
			if d, err = time.ParseDuration(s); err != nil {
				return decodeError(field, "invalid duration %q", s)
			}
		}
	case json.Unmarshal(raw, &f) == nil:
		if math.Abs(f) > math.MaxInt64 {
			return decodeError(field, "duration %s is out of range", raw)
		}
		d = time.Duration(f)
	default:
		return decodeError(field, "expected a duration such as \"10s\"")
	}
	if d < 0 {
		return decodeError(field, "duration %s must not be negative", d)
	}
	*dst = d
	return nil
}

func (o *looseObject) strList(dst *[]string, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return decodeError(field, "expected a list of strings")
	}
	return nil
}

func (o *looseObject) strMap(dst *map[string]string, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return decodeError(field, "expected an object of strings")
	}
	return nil
}

// header reads HTTP headers: each value a list of strings, or one string.
func (o *looseObject) header(dst *map[string][]string, names ...string) error {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return decodeError(field, "expected an object of header names to lists of values")
	}
	h := make(map[string][]string, len(m))
	for k, v := range m {
		var list []string
		var one string
		switch {
		case json.Unmarshal(v, &list) == nil:
			h[k] = list
		case json.Unmarshal(v, &one) == nil:
			h[k] = []string{one}
		default:
			return decodeError(joinField(field, k), "expected a list of strings")
		}
	}
	*dst = h
	return nil
}

// list reads an array of objects (nulls skipped), each at path[i].
func (o *looseObject) list(names ...string) ([]*looseObject, error) {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, decodeError(field, "expected a list of objects")
	}
	var out []*looseObject
	for i, item := range items {
		obj, ok, err := parseObject(fmt.Sprintf("%s[%d]", field, i), item)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, obj)
		}
	}
	return out, nil
}

// object reads a nested object; ok is false when it is absent or null.
func (o *looseObject) object(names ...string) (*looseObject, bool, error) {
	raw, field, ok := o.get(names...)
	if !ok {
		return nil, false, nil
	}
	return parseObject(field, raw)
}

// firstError returns the first non-nil error.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
