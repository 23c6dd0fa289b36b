package config

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// TemplateDefinition is one "template" block, with consul-template's
// keys: source, destination, command, command_timeout, perms and wait
// ("min:max", or an object with min and max). The agent renders it with
// package agent/template for as long as it runs.
type TemplateDefinition struct {
	Source, Destination, Command string
	CommandTimeout               time.Duration
	Perms                        os.FileMode
	WaitMin, WaitMax             time.Duration
}

// templateField decodes "template": one block or a list of them.
func templateField(dst *[]TemplateDefinition) setter {
	return func(d *decoder, path string, v interface{}) {
		eachItem(d, path, v, true, func(path string, v interface{}) {
			if t, ok := decodeTemplate(d, path, v); ok {
				*dst = append(*dst, t)
			}
		})
	}
}

func decodeTemplate(d *decoder, path string, v interface{}) (TemplateDefinition, bool) {
	var t TemplateDefinition
	obj, ok := d.object(path, v)
	if !ok {
		return t, false
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ok = true
	for _, k := range keys {
		item, p := obj[k], joinPath(path, k)
		var good bool
		switch k {
		case "source":
			t.Source, good = d.str(p, item)
		case "destination":
			t.Destination, good = d.str(p, item)
		case "command":
			t.Command, good = d.str(p, item)
		case "command_timeout":
			t.CommandTimeout, good = d.duration(p, item, false)
		case "perms":
			t.Perms, good = decodePerms(d, p, item)
		case "wait":
			t.WaitMin, t.WaitMax, good = decodeWait(d, p, item)
		default:
			d.failf(p, "unknown key; a template takes source, destination, command, command_timeout, perms and wait")
		}
		ok = ok && good
	}
	return t, ok
}

// decodePerms reads an octal mode, as a string ("0640") or a number.
func decodePerms(d *decoder, path string, v interface{}) (os.FileMode, bool) {
	s := strings.TrimSpace(fmt.Sprint(v))
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		d.failf(path, "expected an octal file mode such as \"0644\", got %s", describe(v))
		return 0, false
	}
	return os.FileMode(m), true
}

// decodeWait reads "min:max", "min" (max 4 x min), or {min, max}.
func decodeWait(d *decoder, path string, v interface{}) (time.Duration, time.Duration, bool) {
	if obj, isObj := v.(map[string]interface{}); isObj {
		var min, max time.Duration
		ok := true
		for k, item := range obj {
			switch k {
			case "min":
				min, ok = d.duration(joinPath(path, k), item, false)
			case "max":
				max, ok = d.duration(joinPath(path, k), item, false)
			default:
				d.failf(joinPath(path, k), "unknown key; wait takes min and max")
				ok = false
			}
			if !ok {
				return 0, 0, false
			}
		}
		if max == 0 {
			max = 4 * min
		}
		return min, max, true
	}
	s, ok := d.str(path, v)
	if !ok {
		return 0, 0, false
	}
	minS, maxS, hasMax := strings.Cut(s, ":")
	min, err := time.ParseDuration(strings.TrimSpace(minS))
	max := 4 * min
	if err == nil && hasMax {
		max, err = time.ParseDuration(strings.TrimSpace(maxS))
	}
	if err != nil {
		d.failf(path, "expected \"min:max\" durations such as \"2s:10s\", got %q", s)
		return 0, 0, false
	}
	return min, max, true
}

// validateTemplates checks what a file cannot say by its shape.
func validateTemplates(defs []TemplateDefinition) []error {
	var errs []error
	for i, t := range defs {
		if t.Source == "" || t.Destination == "" {
			errs = append(errs, fmt.Errorf("template[%d]: source and destination are required", i))
		}
		if t.WaitMin < 0 || t.WaitMax < t.WaitMin {
			errs = append(errs, fmt.Errorf("template[%d]: wait needs 0 <= min <= max", i))
		}
		if t.CommandTimeout < 0 {
			errs = append(errs, fmt.Errorf("template[%d]: command_timeout cannot be negative", i))
		}
	}
	return errs
}
