package lan

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/memberlist"
)

// Node meta encoding.
//
// A member's tags travel in memberlist's node meta, which is limited to
// memberlist.MetaMaxSize (512) bytes. The layout is one format byte
// (tagsFormatJSON = 0x01) followed by the tag map as a compact JSON object
// (no HTML escaping, no trailing newline). encoding/json writes map keys in
// sorted order, so equal tag maps always encode to equal bytes: memberlist
// compares meta bytes to decide whether a node was updated, and a node
// refutes alive messages whose meta differs from its own.
//
// An empty meta decodes to no tags. Anything else that does not parse is an
// error; callers log it and treat the member as having no tags.
const tagsFormatJSON byte = 0x01

// encodeTags returns the node meta for tags, or an error when it would not
// fit in memberlist's node meta.
func encodeTags(tags map[string]string) ([]byte, error) {
	if tags == nil {
		tags = map[string]string{}
	}
	var buf bytes.Buffer
	buf.WriteByte(tagsFormatJSON)
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(tags); err != nil {
		return nil, fmt.Errorf("lan: encoding tags: %w", err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if len(out) > memberlist.MetaMaxSize {
		return nil, fmt.Errorf("lan: encoded tags are %d bytes; the node meta limit is %d bytes",
			len(out), memberlist.MetaMaxSize)
	}
	return out, nil
}

// decodeTags parses node meta written by encodeTags. The result is never
// nil.
func decodeTags(meta []byte) (map[string]string, error) {
	tags := map[string]string{}
	if len(meta) == 0 {
		return tags, nil
	}
	if meta[0] != tagsFormatJSON {
		return tags, fmt.Errorf("lan: unknown node meta format 0x%02x", meta[0])
	}
	var decoded map[string]string
	if err := json.Unmarshal(meta[1:], &decoded); err != nil {
		return tags, fmt.Errorf("lan: decoding node meta: %w", err)
	}
	for k, v := range decoded {
		tags[k] = v
	}
	return tags, nil
}

// copyTags returns an independent copy of tags (never nil).
func copyTags(tags map[string]string) map[string]string {
	out := make(map[string]string, len(tags))
	for k, v := range tags {
		out[k] = v
	}
	return out
}
