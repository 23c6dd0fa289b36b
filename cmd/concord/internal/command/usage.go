package command

import (
	"flag"
	"fmt"
	"strings"
)

// helpWidth is the widest line a flag description wraps to.
const helpWidth = 72

// usageText renders a verb's help the way Consul's does: the usage text,
// then "HTTP API Options" (the shared flags) and "Command Options" (the
// verb's own), each flag followed by its wrapped description.
func usageText(usage string, fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(usage))
	b.WriteString("\n\n")
	if fs != nil {
		var api, own []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) {
			if httpFlagNames[f.Name] {
				api = append(api, f)
			} else {
				own = append(own, f)
			}
		})
		writeFlags(&b, "HTTP API Options", api)
		writeFlags(&b, "Command Options", own)
	}
	return strings.TrimRight(b.String(), "\n")
}

func writeFlags(b *strings.Builder, title string, fl []*flag.Flag) {
	if len(fl) == 0 {
		return
	}
	fmt.Fprintf(b, "%s\n\n", title)
	for _, f := range fl {
		example, text := flag.UnquoteUsage(f)
		if example != "" {
			fmt.Fprintf(b, "  -%s=<%s>\n", f.Name, example)
		} else {
			fmt.Fprintf(b, "  -%s\n", f.Name)
		}
		for _, line := range wrap(text, helpWidth-5) {
			fmt.Fprintf(b, "     %s\n", line)
		}
		b.WriteString("\n")
	}
}

// wrap breaks text into lines of at most width characters at spaces; a
// word longer than width gets a line of its own.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		switch {
		case line == "":
			line = word
		case len(line)+1+len(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
