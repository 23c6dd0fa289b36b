package config

import "errors"

// Load parses the agent's flags (args excludes the "agent" word), reads the
// -config-file and -config-dir files they name, and returns the validated
// config with the warnings to log. It returns flag.ErrHelp for -h.
func Load(args []string) (*Config, []string, error) {
	return newLoader().load(args)
}

// LoadFiles builds and validates the config that the given files and
// directories make on their own, with no flags, for `concord validate`. As
// with Consul's validate, the result must be a complete agent config (for
// example, data_dir must be set).
func LoadFiles(paths []string) (*Config, []string, error) {
	if len(paths) == 0 {
		return nil, nil, errors.New("no config file or directory given")
	}
	return newLoader().loadSources(&flagResult{paths: paths})
}

func (l *loader) load(args []string) (*Config, []string, error) {
	r, err := parseFlags(args)
	if err != nil {
		return nil, nil, err
	}
	return l.loadSources(r)
}

// loadSources merges the files r names, then r's flags, over the defaults.
func (l *loader) loadSources(r *flagResult) (*Config, []string, error) {
	warnings := append([]string(nil), r.warnings...)
	merged := &partial{}
	var errs []error
	for _, path := range r.paths {
		parts, w, err := readPath(path, r.format)
		warnings = append(warnings, w...)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, p := range parts {
			merged.merge(p)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, warnings, err
	}
	merged.merge(&r.p)
	c, w, err := l.build(merged)
	warnings = append(warnings, w...)
	if err != nil {
		return nil, warnings, err
	}
	w, err = validate(c)
	warnings = append(warnings, w...)
	if err != nil {
		return nil, warnings, err
	}
	return c, warnings, nil
}
