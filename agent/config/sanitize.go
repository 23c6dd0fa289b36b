package config

import (
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"
)

// redacted replaces a secret's value in Sanitized.
const redacted = "hidden"

// Sanitized returns the effective config as a map from field names to
// values, for /v1/agent/self's DebugConfig: durations are strings such as
// "30s", and secrets (the gossip key, anything named like a token, secret
// or password, and HTTP check headers that carry credentials) read
// "hidden" when they are set.
func (c *Config) Sanitized() map[string]interface{} {
	m, _ := sanitizeValue(reflect.ValueOf(*c)).(map[string]interface{})
	return m
}

func isSecretField(name string) bool {
	lower := strings.ToLower(name)
	return name == "EncryptKey" || strings.Contains(lower, "token") ||
		strings.Contains(lower, "secret") || strings.Contains(lower, "password")
}

func isSecretHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization", "X-Consul-Token", "Cookie":
		return true
	}
	return false
}

func sanitizeValue(v reflect.Value) interface{} {
	if v.Type() == reflect.TypeOf(time.Duration(0)) {
		return time.Duration(v.Int()).String()
	}
	switch v.Kind() {
	case reflect.Struct:
		out := map[string]interface{}{}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fv := v.Field(i)
			if f.Name == "TestNetwork" {
				continue // a test's hook, not configuration
			}
			switch {
			case isSecretField(f.Name) && fv.Kind() == reflect.String && fv.String() != "":
				out[f.Name] = redacted
			case isSecretField(f.Name) && (fv.Kind() == reflect.Struct || fv.Kind() == reflect.Map):
				// A group of secrets (acl.tokens: InitialManagement,
				// Agent, ...): every value in it is one, whatever its name.
				out[f.Name] = hideStrings(sanitizeValue(fv))
			case f.Name == "Header" && fv.Kind() == reflect.Map:
				out[f.Name] = sanitizeHeader(fv.Interface().(map[string][]string))
			default:
				out[f.Name] = sanitizeValue(fv)
			}
		}
		return out
	case reflect.Slice:
		out := make([]interface{}, v.Len())
		for i := range out {
			out[i] = sanitizeValue(v.Index(i))
		}
		return out
	case reflect.Map:
		out := map[string]interface{}{}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, k := range keys {
			out[k.String()] = sanitizeValue(v.MapIndex(k))
		}
		return out
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return sanitizeValue(v.Elem())
	}
	return v.Interface()
}

// hideStrings replaces every non-empty string in a sanitized value.
func hideStrings(v interface{}) interface{} {
	switch t := v.(type) {
	case string:
		if t != "" {
			return redacted
		}
	case map[string]interface{}:
		for k, val := range t {
			t[k] = hideStrings(val)
		}
	case []interface{}:
		for i := range t {
			t[i] = hideStrings(t[i])
		}
	}
	return v
}

func sanitizeHeader(h map[string][]string) map[string]interface{} {
	out := map[string]interface{}{}
	for k, vals := range h {
		if isSecretHeader(k) {
			out[k] = []interface{}{redacted}
			continue
		}
		list := make([]interface{}, len(vals))
		for i, s := range vals {
			list[i] = s
		}
		out[k] = list
	}
	return out
}
