package agent

import "runtime/debug"

// Version is concord's release version.
const Version = "0.1.0"

// Revision is the VCS revision the binary was built from, when the Go
// toolchain recorded one.
func Revision() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 8 {
				return s.Value[:8]
			}
		}
	}
	return "unknown"
}
