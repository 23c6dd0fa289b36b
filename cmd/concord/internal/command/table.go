package command

import (
	"strings"
	"unicode/utf8"
)

// columnGap separates columns in Consul's tables (columnize's glue).
const columnGap = "  "

// table collects rows and aligns them the way Consul's columnize output
// does: every column but a row's last is padded to the widest cell of that
// column and followed by the gap; the last cell is written as is, so lines
// carry no padding after it. The result has no trailing newline.
type table struct {
	gap  string
	rows [][]string
}

func newTable(header ...string) *table {
	t := &table{gap: columnGap}
	if len(header) > 0 {
		t.add(header...)
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) String() string {
	var widths []int
	for _, row := range t.rows {
		for i, cell := range row {
			w := utf8.RuneCountInString(cell)
			if i == len(widths) {
				widths = append(widths, w)
			} else if w > widths[i] {
				widths[i] = w
			}
		}
	}
	var b strings.Builder
	for r, row := range t.rows {
		if r > 0 {
			b.WriteByte('\n')
		}
		for i, cell := range row {
			b.WriteString(cell)
			if i == len(row)-1 {
				break
			}
			b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell)))
			b.WriteString(t.gap)
		}
	}
	return b.String()
}
