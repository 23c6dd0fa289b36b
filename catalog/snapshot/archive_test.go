package snapshot

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
)

func testArchive(t *testing.T) []byte {
	t.Helper()
	state := bytes.Repeat([]byte("concord state "), 500)
	meta := &raft.SnapshotMeta{Version: 1, ID: "2-42-1700000000000", Index: 42, Term: 2, Size: int64(len(state))}
	var buf bytes.Buffer
	if err := Write(&buf, meta, bytes.NewReader(state)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	b := testArchive(t)
	a, err := Read(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if a.Meta.Index != 42 || a.Meta.Term != 2 || a.Meta.ID != "2-42-1700000000000" || len(a.State) != int(a.Meta.Size) {
		t.Fatalf("meta %+v, %d state bytes", a.Meta, len(a.State))
	}
}

func TestWriteRefusesShortState(t *testing.T) {
	meta := &raft.SnapshotMeta{Index: 1, Term: 1, Size: 10}
	if err := Write(new(bytes.Buffer), meta, strings.NewReader("short")); err == nil {
		t.Fatal("want an error for a state shorter than its metadata")
	}
}

func TestReadRefusesDamage(t *testing.T) {
	good := testArchive(t)
	cases := map[string][]byte{
		"empty":         nil,
		"not gzip":      []byte("hello, this is not a snapshot"),
		"truncated":     good[:len(good)/2],
		"last byte cut": good[:len(good)-1],
	}
	for _, at := range []int{20, len(good) / 3, len(good) / 2, len(good) - 10} {
		flipped := append([]byte(nil), good...)
		flipped[at] ^= 0x40
		cases[fmt.Sprintf("byte %d flipped", at)] = flipped
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Read(bytes.NewReader(b))
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("want ErrCorrupt, got %v", err)
			}
		})
	}
	if _, err := Read(bytes.NewReader(good[:len(good)/2])); !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("a truncated file should say so: %v", err)
	}
}
