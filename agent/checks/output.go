package checks

import "fmt"

// limitedBuffer keeps the first max bytes written to it and counts the
// rest, so a chatty check cannot grow the agent's memory.
type limitedBuffer struct {
	max   int
	buf   []byte
	total int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.total += len(p)
	if room := b.max - len(b.buf); room > 0 {
		b.buf = append(b.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// String is the kept output, with a note of how much was dropped.
func (b *limitedBuffer) String() string {
	if b.total > len(b.buf) {
		return fmt.Sprintf("%s\n... (captured %d of %d bytes)", b.buf, len(b.buf), b.total)
	}
	return string(b.buf)
}

// truncate cuts s to at most max bytes.
func truncate(s string, max int) string {
	if len(s) > max {
		return s[:max]
	}
	return s
}
