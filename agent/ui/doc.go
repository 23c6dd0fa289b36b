// Package ui serves concord's web UI: the HTML, JavaScript modules and CSS
// under assets/, embedded in the binary at build time, with the security
// headers every UI response carries.
//
// The UI is a client of the HTTP API under /v1/ and nothing more: it reads
// through blocking queries and writes with PUT and DELETE like any other
// client, so this package knows nothing of the catalog. The HTTP API mounts
// the Handler at Prefix when the UI is enabled.
package ui
