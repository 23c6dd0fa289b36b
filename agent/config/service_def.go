package config

import (
	"fmt"
	"strings"
	"time"
)

// ServiceDefinition is a service registered from a config file, as in
// Consul's service definitions.
type ServiceDefinition struct {
	// ID defaults to Name.
	ID                string
	Name              string
	Tags              []string
	Address           string
	Port              int
	Meta              map[string]string
	EnableTagOverride bool
	Weights           Weights
	// Checks holds the definition's "checks" followed by its "check". Their
	// ServiceID is the service's ID, and an unset ID or Name is filled in
	// as Consul does ("service:ID", or "service:ID:N" when there are
	// several; "Service 'NAME' check").
	Checks []CheckDefinition

	source string // the file it came from
}

// Weights are a service's DNS SRV weights; both default to 1.
type Weights struct {
	Passing int
	Warning int
}

// CheckDefinition is a health check defined in a config file, either at the
// top level or inside a service definition. Exactly one kind is set: Script
// or Args, HTTP, TCP, UDP, GRPC, TTL, or AliasNode/AliasService.
type CheckDefinition struct {
	// ID defaults to Name for a top-level check, and Name to ID.
	ID        string
	Name      string
	Notes     string
	ServiceID string

	Script        string
	Args          []string
	HTTP          string
	Method        string
	Header        map[string][]string
	Body          string
	TLSSkipVerify bool
	TCP           string
	UDP           string
	GRPC          string
	GRPCUseTLS    bool
	TLSServerName string
	TTL           time.Duration
	AliasNode     string
	AliasService  string

	Interval                       time.Duration
	Timeout                        time.Duration
	DeregisterCriticalServiceAfter time.Duration
	// Status is the initial status: "", passing, warning or critical.
	Status string

	// Consecutive results needed before the status changes; 0 is at once.
	SuccessBeforePassing   int
	FailuresBeforeWarning  int
	FailuresBeforeCritical int
	// OutputMaxSize bounds the output kept, in bytes (default 4096).
	OutputMaxSize int

	source string // the file it came from
}

// minCheckInterval is the shortest interval Consul runs a check at.
const minCheckInterval = time.Second

func strInto(dst *string) setter {
	return func(d *decoder, path string, v interface{}) {
		if s, ok := d.str(path, v); ok {
			*dst = s
		}
	}
}

func boolInto(dst *bool) setter {
	return func(d *decoder, path string, v interface{}) {
		if b, ok := d.boolean(path, v); ok {
			*dst = b
		}
	}
}

func intInto(dst *int) setter {
	return func(d *decoder, path string, v interface{}) {
		if i, ok := d.integer(path, v); ok {
			*dst = i
		}
	}
}

func durInto(dst *time.Duration) setter {
	return func(d *decoder, path string, v interface{}) {
		if dur, ok := d.duration(path, v, true); ok {
			*dst = dur
		}
	}
}

func listInto(dst *[]string) setter {
	return func(d *decoder, path string, v interface{}) {
		if l, ok := d.strList(path, v); ok {
			*dst = l
		}
	}
}

// eachItem calls fn for v's items when many is set (a list, or one object),
// or for v itself.
func eachItem(d *decoder, path string, v interface{}, many bool, fn func(path string, v interface{})) {
	list, isList := v.([]interface{})
	if !many || !isList {
		fn(path, v)
		return
	}
	for i, item := range list {
		fn(fmt.Sprintf("%s[%d]", path, i), item)
	}
}

func serviceField(dst *[]ServiceDefinition, many bool) setter {
	return func(d *decoder, path string, v interface{}) {
		eachItem(d, path, v, many, func(path string, v interface{}) {
			if s, ok := decodeService(d, path, v); ok {
				*dst = append(*dst, s)
			}
		})
	}
}

func checkField(dst *[]CheckDefinition, many bool) setter {
	return func(d *decoder, path string, v interface{}) {
		eachItem(d, path, v, many, func(path string, v interface{}) {
			if c, ok := decodeCheck(d, path, v); ok {
				*dst = append(*dst, c)
			}
		})
	}
}

func decodeService(d *decoder, path string, v interface{}) (ServiceDefinition, bool) {
	errs := len(d.errs)
	s := ServiceDefinition{source: d.file}
	var one, many []CheckDefinition
	var passing, warning *int
	d.walk(path, v, &block{
		name:  fmt.Sprintf("%q", path),
		loose: true,
		fields: map[string]setter{
			"id":                  strInto(&s.ID),
			"name":                strInto(&s.Name),
			"tags":                listInto(&s.Tags),
			"address":             strInto(&s.Address),
			"port":                intInto(&s.Port),
			"meta":                mapField(&s.Meta),
			"enable_tag_override": boolInto(&s.EnableTagOverride),
			"weights": blockField(&block{
				name:   fmt.Sprintf("%q", path+".weights"),
				loose:  true,
				fields: map[string]setter{"passing": intField(&passing), "warning": intField(&warning)},
			}),
			"check":  checkField(&one, false),
			"checks": checkField(&many, true),
		},
		unsupported: consulOnlyServiceKeys(),
	})
	s.Weights = Weights{Passing: 1, Warning: 1}
	if passing != nil {
		s.Weights.Passing = *passing
	}
	if warning != nil {
		s.Weights.Warning = *warning
	}
	s.Checks = append(many, one...)
	return s, len(d.errs) == errs
}

func decodeCheck(d *decoder, path string, v interface{}) (CheckDefinition, bool) {
	errs := len(d.errs)
	c := CheckDefinition{source: d.file}
	d.walk(path, v, &block{
		name:  fmt.Sprintf("%q", path),
		loose: true,
		fields: map[string]setter{
			"id":                                strInto(&c.ID),
			"name":                              strInto(&c.Name),
			"notes":                             strInto(&c.Notes),
			"service_id":                        strInto(&c.ServiceID),
			"script":                            strInto(&c.Script),
			"args":                              listInto(&c.Args),
			"http":                              strInto(&c.HTTP),
			"method":                            strInto(&c.Method),
			"header":                            headerInto(&c.Header),
			"body":                              strInto(&c.Body),
			"tls_skip_verify":                   boolInto(&c.TLSSkipVerify),
			"tcp":                               strInto(&c.TCP),
			"udp":                               strInto(&c.UDP),
			"grpc":                              strInto(&c.GRPC),
			"ttl":                               durInto(&c.TTL),
			"alias_node":                        strInto(&c.AliasNode),
			"alias_service":                     strInto(&c.AliasService),
			"interval":                          durInto(&c.Interval),
			"timeout":                           durInto(&c.Timeout),
			"deregister_critical_service_after": durInto(&c.DeregisterCriticalServiceAfter),
			"status":                            strInto(&c.Status),
			"grpc_use_tls":                      boolInto(&c.GRPCUseTLS),
			"tls_server_name":                   strInto(&c.TLSServerName),
			"success_before_passing":            intInto(&c.SuccessBeforePassing),
			"failures_before_warning":           intInto(&c.FailuresBeforeWarning),
			"failures_before_critical":          intInto(&c.FailuresBeforeCritical),
			"output_max_size":                   intInto(&c.OutputMaxSize),
		},
		aliases:     map[string]string{"scriptargs": "args", "checkid": "id"},
		unsupported: consulOnlyCheckKeys(),
	})
	return c, len(d.errs) == errs
}

// headerInto decodes an HTTP check's headers: each value is a list of
// strings, or one string.
func headerInto(dst *map[string][]string) setter {
	return func(d *decoder, path string, v interface{}) {
		obj, ok := d.object(path, v)
		if !ok {
			return
		}
		h := make(map[string][]string, len(obj))
		for k, item := range obj {
			vals, ok := d.strList(joinPath(path, k), item)
			if !ok {
				return
			}
			h[k] = vals
		}
		*dst = h
	}
}

// fillDefinitions fills the IDs and names left unset, as Consul does.
func fillDefinitions(c *Config) {
	for i := range c.Services {
		s := &c.Services[i]
		if s.ID == "" {
			s.ID = s.Name
		}
		for j := range s.Checks {
			ck := &s.Checks[j]
			ck.ServiceID = s.ID
			if ck.ID == "" {
				ck.ID = "service:" + s.ID
				if len(s.Checks) > 1 {
					ck.ID += fmt.Sprintf(":%d", j+1)
				}
			}
			if ck.Name == "" {
				ck.Name = fmt.Sprintf("Service '%s' check", s.Name)
			}
		}
	}
	for i := range c.Checks {
		ck := &c.Checks[i]
		if ck.ID == "" {
			ck.ID = ck.Name
		}
		if ck.Name == "" {
			ck.Name = ck.ID
		}
	}
}

// validateDefinitions checks the services and checks of a built config.
func validateDefinitions(c *Config) (warnings []string, errs []error) {
	serviceIDs := map[string]string{}
	checkIDs := map[string]string{}
	seen := func(ids map[string]string, kind, id, file string) {
		if first, dup := ids[id]; dup && id != "" {
			errs = append(errs, fmt.Errorf("%s: %s ID %q is already defined in %s; IDs must be unique", file, kind, id, first))
		}
		ids[id] = file
	}
	for i := range c.Services {
		s := &c.Services[i]
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("%s: a service needs a name (service %d in the file has none)", s.source, i+1))
			continue
		}
		label := fmt.Sprintf("%s: service %q", s.source, s.Name)
		seen(serviceIDs, "service", s.ID, s.source)
		if !validLabel(s.Name) {
			warnings = append(warnings, fmt.Sprintf("%s: the name will not be discoverable via DNS: use only letters, digits and dashes", label))
		}
		if s.Port < 0 || s.Port > 65535 {
			errs = append(errs, fmt.Errorf("%s: port %d is out of range 0-65535", label, s.Port))
		}
		if s.Weights.Passing < 1 || s.Weights.Warning < 0 {
			errs = append(errs, fmt.Errorf("%s: weights.passing must be at least 1 and weights.warning at least 0", label))
		}
		errs = append(errs, validateMeta(label+": meta", s.Meta)...)
		for j := range s.Checks {
			seen(checkIDs, "check", s.Checks[j].ID, s.source)
			w, e := validateCheck(c, &s.Checks[j])
			warnings, errs = append(warnings, w...), append(errs, e...)
		}
	}
	for i := range c.Checks {
		ck := &c.Checks[i]
		if ck.ID == "" {
			errs = append(errs, fmt.Errorf("%s: a check needs a name or an id (check %d in the file has neither)", ck.source, i+1))
			continue
		}
		seen(checkIDs, "check", ck.ID, ck.source)
		w, e := validateCheck(c, ck)
		warnings, errs = append(warnings, w...), append(errs, e...)
	}
	return warnings, errs
}

func validateCheck(c *Config, ck *CheckDefinition) (warnings []string, errs []error) {
	label := fmt.Sprintf("%s: check %q", ck.source, ck.ID)
	var kinds []string
	add := func(set bool, kind string) {
		if set {
			kinds = append(kinds, kind)
		}
	}
	script := ck.Script != "" || len(ck.Args) > 0
	add(script, "script/args")
	add(ck.HTTP != "", "http")
	add(ck.TCP != "", "tcp")
	add(ck.UDP != "", "udp")
	add(ck.GRPC != "", "grpc")
	add(ck.TTL != 0, "ttl")
	add(ck.AliasNode != "" || ck.AliasService != "", "alias")
	if len(kinds) != 1 {
		has := "none"
		if len(kinds) > 1 {
			has = strings.Join(kinds, " and ")
		}
		errs = append(errs, fmt.Errorf("%s: a check needs exactly one of script/args, http, tcp, udp, grpc, ttl or alias_node/alias_service; it has %s", label, has))
		return warnings, errs
	}
	switch kinds[0] {
	case "script/args", "http", "tcp", "udp", "grpc":
		if ck.Interval <= 0 {
			errs = append(errs, fmt.Errorf("%s: %s checks need an interval, such as \"10s\"", label, kinds[0]))
		} else if ck.Interval < minCheckInterval {
			warnings = append(warnings, fmt.Sprintf("%s: interval %s is below the minimum of %s and is raised to it", label, ck.Interval, minCheckInterval))
			ck.Interval = minCheckInterval
		}
	case "ttl":
		if ck.TTL < 0 {
			errs = append(errs, fmt.Errorf("%s: ttl cannot be negative", label))
		}
	}
	if ck.Timeout < 0 || ck.DeregisterCriticalServiceAfter < 0 {
		errs = append(errs, fmt.Errorf("%s: timeout and deregister_critical_service_after cannot be negative", label))
	}
	if ck.SuccessBeforePassing < 0 || ck.FailuresBeforeWarning < 0 || ck.FailuresBeforeCritical < 0 || ck.OutputMaxSize < 0 {
		errs = append(errs, fmt.Errorf("%s: success_before_passing, failures_before_warning, failures_before_critical and output_max_size cannot be negative", label))
	}
	switch ck.Status {
	case "", "passing", "warning", "critical":
	default:
		errs = append(errs, fmt.Errorf("%s: status %q is not one of passing, warning, critical", label, ck.Status))
	}
	if script && !c.EnableScriptChecks && !c.EnableLocalScriptChecks {
		warnings = append(warnings, fmt.Sprintf("check %q in %s uses a script, but script checks are disabled; set enable_local_script_checks to run it", ck.ID, ck.source))
	}
	return warnings, errs
}
