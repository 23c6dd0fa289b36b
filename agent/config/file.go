package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Config file formats.
const (
	formatJSON = "json"
	formatYAML = "yaml"
)

// hclNotSupported explains why .hcl files and -config-format=hcl are refused.
const hclNotSupported = "HCL is not supported; convert the configuration to JSON or YAML"

// formatOf returns the format a file name's extension says, "" when it says
// none, or an error for HCL.
func formatOf(name string) (string, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return formatJSON, nil
	case ".yaml", ".yml":
		return formatYAML, nil
	case ".hcl":
		return "", errors.New(hclNotSupported)
	}
	return "", nil
}

// readPath reads a config file, or a directory's config files in lexical
// order, and decodes each into a partial config. format is -config-format:
// the format of a named file whose extension says none.
func readPath(path, format string) ([]*partial, []string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read config %s: %v", path, unwrapPathError(err))
	}
	if !info.IsDir() {
		p, warnings, err := readFile(path, format)
		if err != nil {
			return nil, warnings, err
		}
		return []*partial{p}, warnings, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read config directory %s: %v", path, unwrapPathError(err))
	}
	var parts []*partial
	var warnings []string
	for _, e := range entries { // ReadDir sorts by name
		name := filepath.Join(path, e.Name())
		if fi, err := os.Stat(name); err != nil || fi.IsDir() {
			continue // subdirectories and dangling links are skipped
		}
		f, err := formatOf(name)
		if err != nil {
			return nil, warnings, fmt.Errorf("%s: %v", name, err)
		}
		if f == "" {
			continue // like Consul, only config extensions are read
		}
		p, w, err := readFile(name, f)
		warnings = append(warnings, w...)
		if err != nil {
			return nil, warnings, err
		}
		parts = append(parts, p)
	}
	return parts, warnings, nil
}

// readFile parses and decodes one config file.
func readFile(name, format string) (*partial, []string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read config %s: %v", name, unwrapPathError(err))
	}
	f, err := formatOf(name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	var tree interface{}
	switch {
	case f != "":
		tree, err = parse(data, f)
	case format != "":
		tree, err = parse(data, format)
	default:
		tree, err = parse(data, formatJSON)
		if err != nil {
			err = fmt.Errorf("the file name does not say its format and it is not valid JSON (%v); name it .json, .yaml or .yml, or pass -config-format", err)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	return decodeTree(name, tree)
}

// decodeTree decodes a parsed file into a partial config.
func decodeTree(name string, tree interface{}) (*partial, []string, error) {
	p := &partial{}
	d := &decoder{file: name}
	d.walk("", tree, topBlock(p))
	return p, d.warnings, errors.Join(d.errs...)
}

// parse turns a file's bytes into a key tree of map[string]interface{},
// []interface{}, string, bool, json.Number and nil. An empty file is an
// empty object.
func parse(data []byte, format string) (interface{}, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]interface{}{}, nil
	}
	switch format {
	case formatJSON:
		return parseJSON(data)
	case formatYAML:
		return parseYAML(data)
	}
	return nil, fmt.Errorf("unknown config format %q", format)
}

func parseJSON(data []byte) (interface{}, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree interface{}
	if err := dec.Decode(&tree); err != nil {
		return nil, jsonError(data, err)
	}
	var extra interface{}
	if err := dec.Decode(&extra); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON at %s: more data after the top-level value", position(data, dec.InputOffset()))
	}
	return tree, nil
}

// jsonError adds the line and column to a JSON syntax error.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// Offset counts the offending byte; point at it.
		return fmt.Errorf("invalid JSON at %s: %v", position(data, max(syn.Offset-1, 0)), err)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("invalid JSON: unexpected end of file")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

// position renders a byte offset as "line L, column C".
func position(data []byte, offset int64) string {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d", line, col)
}

func parseYAML(data []byte) (interface{}, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("invalid YAML: %v", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err != io.EOF {
		return nil, errors.New("invalid YAML: a config file holds one document; remove the extra \"---\"")
	}
	return yamlValue(&doc)
}

// yamlValue converts a YAML node to the key tree JSON produces.
func yamlValue(n *yaml.Node) (interface{}, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return map[string]interface{}{}, nil
		}
		return yamlValue(n.Content[0])
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.SequenceNode:
		list := make([]interface{}, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := yamlValue(item)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		return yamlMap(n)
	case yaml.ScalarNode:
		return yamlScalar(n)
	}
	return nil, fmt.Errorf("invalid YAML at line %d: unexpected node", n.Line)
}

func yamlMap(n *yaml.Node) (interface{}, error) {
	obj := make(map[string]interface{}, len(n.Content)/2)
	var merged []map[string]interface{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, vn := n.Content[i], n.Content[i+1]
		v, err := yamlValue(vn)
		if err != nil {
			return nil, err
		}
		if k.ShortTag() == "!!merge" { // "<<: *anchor" merges a map, or a list of maps
			items, isList := v.([]interface{})
			if !isList {
				items = []interface{}{v}
			}
			for _, item := range items {
				m, ok := item.(map[string]interface{})
				if !ok {
					return nil, fmt.Errorf("invalid YAML at line %d: \"<<\" must merge a map", k.Line)
				}
				merged = append(merged, m)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("invalid YAML at line %d: a key must be a plain string", k.Line)
		}
		obj[k.Value] = v
	}
	for _, m := range merged {
		for k, v := range m {
			if _, set := obj[k]; !set {
				obj[k] = v
			}
		}
	}
	return obj, nil
}

func yamlScalar(n *yaml.Node) (interface{}, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("invalid YAML at line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("invalid YAML at line %d: %v", n.Line, err)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("invalid YAML at line %d: %v", n.Line, err)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return n.Value, nil // strings, timestamps and custom tags stay text
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
