package config

import (
	"errors"
	"fmt"
)

// ServicesFromFile reads the service definitions of one config file
// ("service" or "services", JSON or YAML by the file's extension, JSON
// otherwise), as `concord services register` and `deregister` take them.
// Defaults are filled in as for the agent's own files (the ID is the name;
// check IDs and names) and the definitions are validated; other keys of
// the file are decoded but not returned. A file without services is an
// error.
func ServicesFromFile(path string) ([]ServiceDefinition, error) {
	p, _, err := readFile(path, "")
	if err != nil {
		return nil, err
	}
	if len(p.Services) == 0 {
		return nil, fmt.Errorf("%s: no service definitions found (expected \"service\" or \"services\")", path)
	}
	c := &Config{Services: append([]ServiceDefinition(nil), p.Services...), EnableLocalScriptChecks: true}
	fillDefinitions(c)
	if _, errs := validateDefinitions(c); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c.Services, nil
}
