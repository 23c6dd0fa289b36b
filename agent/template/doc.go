// Package template renders consul-template-compatible templates: Go
// text/template with consul-template's functions (service, services,
// nodes, node, key, keyOrDefault, ls, tree and the helpers), whose results
// have consul-template's field names and order, so an existing template
// renders the same bytes.
//
// A Runner watches every query a template made through blocking queries
// (github.com/hashicorp/consul/api), re-renders after a quiet period
// (Wait), writes the destination atomically (a temporary file in the same
// directory, renamed over it, keeping the old file's mode and owner) and
// then runs the template's command. A template is written only once every
// query it makes has an answer, so a failed query never produces a
// half-rendered file: the previous file stays.
package template
