package config

import (
	"encoding/json"
	"fmt"

	"github.com/hashicorp/consul/api/watch"
)

// WatchDefinition is one entry of "watches": the parameters of an
// api/watch plan as written (type, key, prefix, service, ...), plus its
// handler: handler_type "script" with args (or the older handler string),
// or "http" with http_handler_config.
type WatchDefinition map[string]interface{}

// Params is a deep copy of the definition, for the watch package, which
// deletes the keys it consumes.
func (w WatchDefinition) Params() map[string]interface{} {
	return deepCopy(map[string]interface{}(w)).(map[string]interface{})
}

func deepCopy(v interface{}) interface{} {
	switch v := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, item := range v {
			out[k] = deepCopy(item)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = deepCopy(item)
		}
		return out
	}
	return v
}

// Handler says how the watch's handler runs: the script's argv (Shell
// set when it came from the "handler" string, run by /bin/sh -c), or the
// HTTP handler's settings.
type Handler struct {
	Args  []string
	Shell bool
	HTTP  *watch.HttpHandlerConfig
}

// Plan parses the definition as the agent runs it: the watch's own
// parameters through api/watch, then its handler.
func (w WatchDefinition) Plan() (*watch.Plan, Handler, error) {
	plan, err := watch.ParseExempt(w.Params(), []string{"handler", "args"})
	if err != nil {
		return nil, Handler{}, err
	}
	var h Handler
	switch plan.HandlerType {
	case "", "script":
		handler, hasHandler := plan.Exempt["handler"]
		args, hasArgs := plan.Exempt["args"]
		switch {
		case hasHandler && hasArgs:
			return nil, h, fmt.Errorf("only one of handler and args may be set")
		case hasHandler:
			s, ok := handler.(string)
			if !ok || s == "" {
				return nil, h, fmt.Errorf("handler must be a non-empty string")
			}
			h.Args, h.Shell = []string{s}, true
		case hasArgs:
			list, ok := args.([]interface{})
			for _, a := range list {
				s, isStr := a.(string)
				if !isStr {
					ok = false
					break
				}
				h.Args = append(h.Args, s)
			}
			if !ok || len(h.Args) == 0 {
				return nil, h, fmt.Errorf("args must be a non-empty list of strings")
			}
		default:
			return nil, h, fmt.Errorf("a script handler needs args (or handler)")
		}
	case "http":
		cfg, ok := plan.Exempt["http_handler_config"].(*watch.HttpHandlerConfig)
		if !ok {
			return nil, h, fmt.Errorf("http_handler_config is required with handler_type \"http\"")
		}
		h.HTTP = cfg
	default:
		return nil, h, fmt.Errorf("handler_type %q is not one of script or http", plan.HandlerType)
	}
	return plan, h, nil
}

// watchesField decodes "watches": a list of objects kept as written, with
// numbers turned into their text, as the watch package reads strings.
func watchesField(dst *[]WatchDefinition) setter {
	return func(d *decoder, path string, v interface{}) {
		eachItem(d, path, v, true, func(path string, v interface{}) {
			obj, ok := d.object(path, v)
			if !ok {
				return
			}
			*dst = append(*dst, WatchDefinition(numbersAsText(obj).(map[string]interface{})))
		})
	}
}

func numbersAsText(v interface{}) interface{} {
	switch v := v.(type) {
	case json.Number:
		return v.String()
	case map[string]interface{}:
		out := make(map[string]interface{}, len(v))
		for k, item := range v {
			out[k] = numbersAsText(item)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = numbersAsText(item)
		}
		return out
	}
	return v
}

// validateWatches parses every watch, so a bad one fails the load.
func validateWatches(defs []WatchDefinition) []error {
	var errs []error
	for i, w := range defs {
		if _, _, err := w.Plan(); err != nil {
			errs = append(errs, fmt.Errorf("watches[%d]: %v", i, err))
		}
	}
	return errs
}
