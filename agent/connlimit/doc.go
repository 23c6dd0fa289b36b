// Package connlimit bounds how many connections one client IP address may
// hold open on a listener, so a single client cannot use up the agent's
// file descriptors. A connection over the limit is answered with an HTTP
// 429 and closed.
package connlimit
