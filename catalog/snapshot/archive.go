package snapshot

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/raft"
)

// Names of the archive's members, in the order they are written.
const (
	MetaFile  = "meta.json"
	StateFile = "state.bin"
	SumsFile  = "SHA256SUMS"
)

// ErrCorrupt wraps every reason an archive is refused, so callers can tell
// a bad file (answered 400) from a failure to read it.
var ErrCorrupt = errors.New("snapshot archive is invalid")

// Write writes an archive of meta and the state snapshot in state, which
// must hold exactly meta.Size bytes.
func Write(w io.Writer, meta *raft.SnapshotMeta, state io.Reader) error {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, state)
	if err != nil {
		return fmt.Errorf("reading state snapshot: %w", err)
	}
	if n != meta.Size {
		return fmt.Errorf("state snapshot has %d bytes but its metadata says %d", n, meta.Size)
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return err
	}
	sums := fmt.Sprintf("%s  %s\n%s  %s\n", sum(metaJSON), MetaFile, sum(buf.Bytes()), StateFile)

	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now()
	for _, f := range []struct {
		name string
		data []byte
	}{{MetaFile, metaJSON}, {StateFile, buf.Bytes()}, {SumsFile, []byte(sums)}} {
		hdr := &tar.Header{Name: f.name, Mode: 0o600, Size: int64(len(f.data)), ModTime: now, Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if _, err := tw.Write(f.data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return gz.Close()
}

// Archive is a verified archive's content.
type Archive struct {
	Meta  raft.SnapshotMeta
	State []byte
}

// Read reads and verifies a whole archive: the gzip stream's own CRC, the
// tar structure, the presence of every member, both checksums and the
// metadata's size. Any failure wraps ErrCorrupt with what is wrong.
func Read(r io.Reader) (*Archive, error) {
	gz, err := gzip.NewReader(bufio.NewReader(r))
	if err != nil {
		return nil, corrupt("not a gzip stream: %v", err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	files := map[string][]byte{}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, readErr(err)
		}
		switch hdr.Name {
		case MetaFile, StateFile, SumsFile:
		default:
			return nil, corrupt("unexpected member %q", hdr.Name)
		}
		if _, dup := files[hdr.Name]; dup {
			return nil, corrupt("member %q appears twice", hdr.Name)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, readErr(err)
		}
		files[hdr.Name] = data
	}
	// Reading to the end makes gzip check its CRC and length trailer.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, readErr(err)
	}
	for _, name := range []string{MetaFile, StateFile, SumsFile} {
		if _, ok := files[name]; !ok {
			return nil, corrupt("member %q is missing", name)
		}
	}
	want, err := parseSums(files[SumsFile])
	if err != nil {
		return nil, err
	}
	for _, name := range []string{MetaFile, StateFile} {
		w, ok := want[name]
		if !ok {
			return nil, corrupt("%s has no checksum for %s", SumsFile, name)
		}
		if got := sum(files[name]); got != w {
			return nil, corrupt("checksum of %s does not match: got %s, want %s", name, got, w)
		}
	}
	a := &Archive{State: files[StateFile]}
	if err := json.Unmarshal(files[MetaFile], &a.Meta); err != nil {
		return nil, corrupt("%s: %v", MetaFile, err)
	}
	if a.Meta.Size != int64(len(a.State)) {
		return nil, corrupt("%s says %d bytes of state, %s has %d", MetaFile, a.Meta.Size, StateFile, len(a.State))
	}
	if a.Meta.Index == 0 || a.Meta.Term == 0 {
		return nil, corrupt("%s has no index or term", MetaFile)
	}
	return a, nil
}

// Inspect reads and verifies an archive and returns its metadata.
func Inspect(r io.Reader) (*raft.SnapshotMeta, error) {
	a, err := Read(r)
	if err != nil {
		return nil, err
	}
	return &a.Meta, nil
}

func parseSums(b []byte) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		hash, name, ok := strings.Cut(line, "  ")
		if !ok || len(hash) != sha256.Size*2 {
			return nil, corrupt("%s has a malformed line %q", SumsFile, line)
		}
		out[name] = hash
	}
	return out, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func corrupt(format string, args ...interface{}) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// readErr words a failure of the gzip or tar layer: an unexpected end is
// a truncated file, anything else a damaged one.
func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return corrupt("the file is truncated")
	}
	return corrupt("the file is damaged: %v", err)
}
