package server

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/concord-dev/concord/catalog"
)

// A template query (Template.Type "name_prefix_match") answers every name
// that starts with its Name. Before it runs, its string fields are
// rendered for the name it was executed as: ${name.full} is that name,
// ${name.prefix} the template's Name, ${name.suffix} the rest, and
// ${match(N)} the Nth group of Template.Regexp matched against the full
// name ("" when it does not match), and ${agent.segment} is "" (no
// segments). These are the variables of Consul's templates; its HIL
// functions beyond match() are not supported.

var interpolation = regexp.MustCompile(`\$\{([^}]*)\}`)

// templateVars is what ${...} may refer to for one execution.
type templateVars struct {
	full, prefix, suffix string
	matches              []string
}

func (v *templateVars) lookup(expr string) (string, error) {
	expr = strings.TrimSpace(expr)
	switch expr {
	case "name.full":
		return v.full, nil
	case "name.prefix":
		return v.prefix, nil
	case "name.suffix":
		return v.suffix, nil
	case "agent.segment":
		// concord has no network segments: every agent is in "".
		return "", nil
	}
	if arg, ok := strings.CutPrefix(expr, "match("); ok {
		if arg, ok = strings.CutSuffix(arg, ")"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(arg))
			if err != nil || n < 0 {
				return "", fmt.Errorf("bad match index %q", arg)
			}
			if n < len(v.matches) {
				return v.matches[n], nil
			}
			return "", nil
		}
	}
	return "", fmt.Errorf("unknown variable ${%s}", expr)
}

func (v *templateVars) render(s string) (string, error) {
	var err error
	out := interpolation.ReplaceAllStringFunc(s, func(m string) string {
		val, lerr := v.lookup(m[2 : len(m)-1])
		if lerr != nil && err == nil {
			err = lerr
		}
		return val
	})
	return out, err
}

// validateTemplate checks a template query at write time, so a broken one
// is a 400 then and not a failure at every execution.
func validateTemplate(q *catalog.PreparedQuery) error {
	switch q.Template.Type {
	case "":
		if q.Template.Regexp != "" {
			return catalog.BadRequestf("Template.Regexp needs Template.Type " + catalog.QueryTemplateNamePrefixMatch)
		}
		return nil
	case catalog.QueryTemplateNamePrefixMatch:
	default:
		return catalog.BadRequestf(fmt.Sprintf("Bad Template.Type %q (want %q)", q.Template.Type, catalog.QueryTemplateNamePrefixMatch))
	}
	if _, err := regexp.Compile(q.Template.Regexp); err != nil {
		return catalog.BadRequestf(fmt.Sprintf("Bad Template.Regexp: %v", err))
	}
	if _, err := renderQuery(q, q.Name); err != nil {
		return catalog.BadRequestf("Bad template: " + err.Error())
	}
	return nil
}

// renderQuery returns the query that executing q as name runs: q itself
// when it is not a template, else a copy with every string field rendered.
func renderQuery(q *catalog.PreparedQuery, name string) (*catalog.PreparedQuery, error) {
	out := *q
	if !q.IsTemplate() {
		return &out, nil
	}
	vars := &templateVars{full: name, prefix: q.Name}
	if len(name) >= len(q.Name) && strings.EqualFold(name[:len(q.Name)], q.Name) {
		vars.suffix = name[len(q.Name):]
	}
	if q.Template.Regexp != "" {
		re, err := regexp.Compile(q.Template.Regexp)
		if err != nil {
			return nil, err
		}
		vars.matches = re.FindStringSubmatch(name)
	}
	var err error
	str := func(s string) string {
		r, rerr := vars.render(s)
		if rerr != nil && err == nil {
			err = rerr
		}
		return r
	}
	list := func(in []string, dropEmpty bool) []string {
		if in == nil {
			return nil
		}
		res := make([]string, 0, len(in))
		for _, s := range in {
			if r := str(s); r != "" || !dropEmpty {
				res = append(res, r)
			}
		}
		return res
	}
	dict := func(in map[string]string) map[string]string {
		if in == nil {
			return nil
		}
		res := make(map[string]string, len(in))
		for k, v := range in {
			res[str(k)] = str(v)
		}
		return res
	}
	svc := &out.Service
	svc.Service = str(q.Service.Service)
	svc.Near = str(q.Service.Near)
	svc.Tags = list(q.Service.Tags, q.Template.RemoveEmptyTags)
	svc.IgnoreCheckIDs = list(q.Service.IgnoreCheckIDs, false)
	svc.Failover.Datacenters = list(q.Service.Failover.Datacenters, false)
	svc.NodeMeta = dict(q.Service.NodeMeta)
	svc.ServiceMeta = dict(q.Service.ServiceMeta)
	out.DNS.TTL = str(q.DNS.TTL)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
