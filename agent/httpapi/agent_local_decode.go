package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/concord-dev/concord/agent/checks"
	"github.com/concord-dev/concord/catalog"
)

// Limits on service metadata, Consul's.
const (
	metaMaxPairs    = 64
	metaMaxKeyLen   = 128
	metaMaxValueLen = 512
)

// decodeServiceRegistration reads the body of PUT
// /v1/agent/service/register (consul/api's AgentServiceRegistration) into
// the service and its checks, with Consul's defaults filled in: the ID is
// the name, weights are 1/1, and a check without an ID is
// "service:<id>" ("service:<id>:<n>" when there are several) named
// "Service '<name>' check". Check comes before Checks, as in Consul.
// Proxies, Connect, namespaces and partitions are ignored; a Kind other
// than a typical service is refused.
func decodeServiceRegistration(raw json.RawMessage) (*catalog.NodeService, []checks.Spec, error) {
	o, ok, err := parseObject("", raw)
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		return nil, nil, badRequest("Request decode failed: the body must be a service definition object")
	}
	var kind string
	svc := &catalog.NodeService{}
	err = firstError(
		o.str(&kind, "Kind"),
		o.str(&svc.ID, "ID"),
		o.str(&svc.Service, "Name"),
		o.strList(&svc.Tags, "Tags"),
		o.integer(&svc.Port, true, "Port"),
		o.str(&svc.Address, "Address"),
		o.boolean(&svc.EnableTagOverride, "EnableTagOverride"),
		o.strMap(&svc.Meta, "Meta"),
	)
	if err != nil {
		return nil, nil, err
	}
	if kind != "" {
		return nil, nil, badRequest("service kind %q is not supported", kind)
	}
	if svc.Service == "" {
		return nil, nil, badRequest("Missing service name")
	}
	if svc.ID == "" {
		svc.ID = svc.Service
	}
	if svc.Port > 65535 {
		return nil, nil, badRequest("Invalid Port: %d is out of range 0-65535", svc.Port)
	}
	if err := validateServiceMeta(svc.Meta); err != nil {
		return nil, nil, err
	}
	if svc.Weights, err = decodeWeights(o); err != nil {
		return nil, nil, err
	}

	var objs []*looseObject
	if one, ok, err := o.object("Check"); err != nil {
		return nil, nil, err
	} else if ok {
		objs = append(objs, one)
	}
	many, err := o.list("Checks")
	if err != nil {
		return nil, nil, err
	}
	objs = append(objs, many...)
	var specs []checks.Spec
	for _, obj := range objs {
		spec, err := decodeCheckSpec(obj)
		if err != nil {
			return nil, nil, err
		}
		// An empty check object registers nothing, as in Consul.
		if reflect.DeepEqual(spec, checks.Spec{}) {
			continue
		}
		specs = append(specs, spec)
	}
	for i := range specs {
		c := &specs[i]
		c.ServiceID = svc.ID
		if c.ID == "" {
			c.ID = "service:" + svc.ID
			if len(specs) > 1 {
				c.ID += fmt.Sprintf(":%d", i+1)
			}
		}
		if c.Name == "" {
			c.Name = fmt.Sprintf("Service '%s' check", svc.Service)
		}
	}
	return svc, specs, nil
}

// decodeWeights reads Weights: 1/1 when absent or both zero; Passing at
// least 1 and Warning at least 0 otherwise.
func decodeWeights(o *looseObject) (*catalog.Weights, error) {
	w := &catalog.Weights{Passing: 1, Warning: 1}
	wo, ok, err := o.object("Weights")
	if err != nil || !ok {
		return w, err
	}
	if err := firstError(wo.integer(&w.Passing, false, "Passing"), wo.integer(&w.Warning, false, "Warning")); err != nil {
		return nil, err
	}
	if w.Passing == 0 && w.Warning == 0 {
		// An empty Weights object (a client's zero value) means unset.
		return &catalog.Weights{Passing: 1, Warning: 1}, nil
	}
	if w.Passing < 1 {
		return nil, badRequest("Invalid Weights.Passing: %d must be greater than 0", w.Passing)
	}
	if w.Warning < 0 {
		return nil, badRequest("Invalid Weights.Warning: %d must not be negative", w.Warning)
	}
	return w, nil
}

// validateServiceMeta applies Consul's rules for metadata: at most 64
// pairs, keys of letters, digits, '-' and '_' up to 128 characters and
// not starting with the reserved "consul-", values up to 512 characters.
func validateServiceMeta(meta map[string]string) error {
	if len(meta) > metaMaxPairs {
		return badRequest("Invalid Meta: %d pairs exceed the limit of %d", len(meta), metaMaxPairs)
	}
	for k, v := range meta {
		switch {
		case k == "":
			return badRequest("Invalid Meta: a key cannot be blank")
		case len(k) > metaMaxKeyLen:
			return badRequest("Invalid Meta: key %q is longer than %d characters", k, metaMaxKeyLen)
		case strings.HasPrefix(k, "consul-"):
			return badRequest("Invalid Meta: key %q uses the reserved prefix \"consul-\"", k)
		case !metaKeyChars(k):
			return badRequest("Invalid Meta: key %q may hold only letters, digits, '-' and '_'", k)
		case len(v) > metaMaxValueLen:
			return badRequest("Invalid Meta: the value of %q is longer than %d characters", k, metaMaxValueLen)
		}
	}
	return nil
}

func metaKeyChars(k string) bool {
	for _, r := range k {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// decodeCheckRegistration reads the body of PUT /v1/agent/check/register
// (consul/api's AgentCheckRegistration). The ID defaults to the name,
// which is required.
func decodeCheckRegistration(raw json.RawMessage) (checks.Spec, error) {
	o, ok, err := parseObject("", raw)
	if err != nil {
		return checks.Spec{}, err
	}
	if !ok {
		return checks.Spec{}, badRequest("Request decode failed: the body must be a check definition object")
	}
	spec, err := decodeCheckSpec(o)
	if err != nil {
		return spec, err
	}
	if spec.Name == "" {
		return spec, badRequest("Missing check name")
	}
	if spec.ID == "" {
		spec.ID = spec.Name
	}
	return spec, nil
}

// decodeCheckSpec reads one check definition, by Consul's names for the
// agent API (ID or CheckID, Args or ScriptArgs...) or their snake_case
// forms. Only the form of the input is checked here; the agent validates
// the definition itself.
func decodeCheckSpec(o *looseObject) (checks.Spec, error) {
	var s checks.Spec
	var script, h2ping, osService string
	err := firstError(
		o.str(&s.ID, "ID", "CheckID"),
		o.str(&s.Name, "Name"),
		o.str(&s.Notes, "Notes"),
		o.str(&s.ServiceID, "ServiceID"),
		o.str(&s.Status, "Status"),
		o.str(&script, "Script"),
		o.strList(&s.Args, "ScriptArgs", "Args"),
		o.str(&s.DockerContainerID, "DockerContainerID"),
		o.str(&s.Shell, "Shell"),
		o.duration(&s.Interval, "Interval"),
		o.duration(&s.Timeout, "Timeout"),
		o.duration(&s.TTL, "TTL"),
		o.str(&s.HTTP, "HTTP"),
		o.header(&s.Header, "Header"),
		o.str(&s.Method, "Method"),
		o.str(&s.Body, "Body"),
		o.str(&s.TCP, "TCP"),
		o.str(&s.UDP, "UDP"),
		o.str(&s.GRPC, "GRPC"),
		o.boolean(&s.GRPCUseTLS, "GRPCUseTLS"),
		o.str(&s.TLSServerName, "TLSServerName"),
		o.boolean(&s.TLSSkipVerify, "TLSSkipVerify"),
		o.str(&s.AliasNode, "AliasNode"),
		o.str(&s.AliasService, "AliasService"),
		o.integer(&s.SuccessBeforePassing, true, "SuccessBeforePassing"),
		o.integer(&s.FailuresBeforeWarning, true, "FailuresBeforeWarning"),
		o.integer(&s.FailuresBeforeCritical, true, "FailuresBeforeCritical"),
		o.duration(&s.DeregisterCriticalServiceAfter, "DeregisterCriticalServiceAfter"),
		o.integer(&s.OutputMaxSize, true, "OutputMaxSize"),
		o.str(&h2ping, "H2PING"),
		o.str(&osService, "OSService"),
	)
	if err != nil {
		return s, err
	}
	switch {
	case script != "":
		return s, badRequest("%s: the single-string Script check was removed in Consul 1.0; use Args (ScriptArgs) with the command and its arguments", joinField(o.path, "Script"))
	case h2ping != "":
		return s, badRequest("%s: H2PING checks are not supported by concord", joinField(o.path, "H2PING"))
	case osService != "":
		return s, badRequest("%s: OSService checks are not supported by concord", joinField(o.path, "OSService"))
	}
	return s, nil
}
