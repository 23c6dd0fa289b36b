// Package sdnotify sends systemd's service notifications (sd_notify(3)):
// READY=1, RELOADING=1, STOPPING=1 and STATUS= lines, as one datagram on
// the unix socket systemd names in $NOTIFY_SOCKET, so a Type=notify unit
// knows when the agent serves, reloads and stops.
package sdnotify

import (
	"errors"
	"net"
	"strings"
)

// The states concord sends.
const (
	Ready     = "READY=1"
	Reloading = "RELOADING=1"
	Stopping  = "STOPPING=1"
)

// Notifier sends notifications to one socket. The zero value (no
// socket: not started by systemd) sends nothing.
type Notifier struct {
	addr *net.UnixAddr
}

// New returns a Notifier for socket, the value of $NOTIFY_SOCKET: a
// path, or an abstract socket name starting with '@'. An empty socket
// gives a Notifier that does nothing.
func New(socket string) *Notifier {
	if socket == "" {
		return &Notifier{}
	}
	name := socket
	if strings.HasPrefix(name, "@") {
		name = "\x00" + name[1:] // Linux abstract namespace
	}
	return &Notifier{addr: &net.UnixAddr{Name: name, Net: "unixgram"}}
}

// Enabled reports whether there is a socket to notify.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != nil }

// Notify sends the states, newline-separated, in one datagram. It does
// nothing without a socket.
func (n *Notifier) Notify(states ...string) error {
	if !n.Enabled() {
		return nil
	}
	if len(states) == 0 {
		return errors.New("sdnotify: nothing to send")
	}
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Write([]byte(strings.Join(states, "\n")))
	return err
}
