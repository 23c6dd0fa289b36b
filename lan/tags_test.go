package lan

import (
	"bytes"
	"net"
	"reflect"
	"testing"
)

func TestTagsCodec(t *testing.T) {
	tags := map[string]string{"role": "consul", "dc": "dc1", "x": "<&>", "": "empty key"}
	meta, err := encodeTags(tags)
	if err != nil {
		t.Fatal(err)
	}
	if meta[0] != tagsFormatJSON || bytes.Contains(meta, []byte(`\u003c`)) {
		t.Fatalf("meta = %q", meta)
	}
	again, _ := encodeTags(map[string]string{"x": "<&>", "": "empty key", "dc": "dc1", "role": "consul"})
	if !bytes.Equal(meta, again) {
		t.Fatal("encoding is not deterministic")
	}
	got, err := decodeTags(meta)
	if err != nil || !reflect.DeepEqual(got, tags) {
		t.Fatalf("round trip: %v, %v", got, err)
	}
	if got, err := decodeTags(nil); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("empty meta: %v, %v", got, err)
	}
	if nilMeta, _ := encodeTags(nil); string(nilMeta) != "\x01{}" {
		t.Fatalf("nil tags: %q", nilMeta)
	}
	for _, bad := range [][]byte{{0xff, '{', '}'}, []byte("\x01{"), []byte("\x01[1]")} {
		if got, err := decodeTags(bad); err == nil || got == nil || len(got) != 0 {
			t.Errorf("decodeTags(%q) = %v, %v", bad, got, err)
		}
	}
}

// A member advertising undecodable meta shows up with no tags.
func TestBadMetaIsEmptyTags(t *testing.T) {
	cl := newCluster(t, "a")
	a := cl.start("a", nil)
	a.mu.Lock()
	a.meta = []byte{0x7f, 'x'}
	a.mu.Unlock()
	if err := a.ml.UpdateNode(0); err != nil {
		t.Fatal(err)
	}
	if m := a.LocalMember(); m.Tags == nil || len(m.Tags) != 0 {
		t.Fatalf("tags = %v", m.Tags)
	}
}

func TestServerTagsAndParsing(t *testing.T) {
	ip := net.ParseIP("10.1.2.3")
	st := ServerTags("id-1", "dc1", 8300, 3, true, 3, "1.2.3")
	want := map[string]string{
		"role": "consul", "dc": "dc1", "port": "8300", "expect": "3", "bootstrap": "1", "id": "id-1",
		"raft_vsn": "3", "build": "1.2.3", "vsn": "2", "vsn_min": "2", "vsn_max": "3",
	}
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("ServerTags = %v", st)
	}
	plain := ServerTags("id-2", "dc1", 8300, 0, false, 3, "1.2.3")
	if _, ok := plain["bootstrap"]; ok {
		t.Fatal("bootstrap tag without bootstrap")
	}
	if _, ok := plain["expect"]; ok {
		t.Fatal("expect tag with expect 0")
	}
	ct := ClientTags("id-3", "dc2", "1.2.3")
	if ct["role"] != "node" || ct["dc"] != "dc2" || ct["id"] != "id-3" || ct["build"] != "1.2.3" || ct["vsn"] != "2" {
		t.Fatalf("ClientTags = %v", ct)
	}

	with := func(tags map[string]string, edit map[string]string, drop ...string) map[string]string {
		out := copyTags(tags)
		for k, v := range edit {
			out[k] = v
		}
		for _, k := range drop {
			delete(out, k)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		tags map[string]string
		ok   bool
		want Server
	}{
		{"server", st, true, Server{Name: "n1", ID: "id-1", Datacenter: "dc1",
			Addr: net.TCPAddr{IP: ip, Port: 8300}, Bootstrap: true, Expect: 3, RaftVersion: 3,
			Build: "1.2.3", Status: StatusAlive}},
		{"no expect or bootstrap", plain, true, Server{Name: "n1", ID: "id-2", Datacenter: "dc1",
			Addr: net.TCPAddr{IP: ip, Port: 8300}, RaftVersion: 3, Build: "1.2.3", Status: StatusAlive}},
		{"no raft_vsn", with(plain, nil, "raft_vsn"), true, Server{Name: "n1", ID: "id-2", Datacenter: "dc1",
			Addr: net.TCPAddr{IP: ip, Port: 8300}, Build: "1.2.3", Status: StatusAlive}},
		{"client", ct, false, Server{}},
		{"no tags", nil, false, Server{}},
		{"no port", with(st, nil, "port"), false, Server{}},
		{"bad port", with(st, map[string]string{"port": "x"}), false, Server{}},
		{"port out of range", with(st, map[string]string{"port": "70000"}), false, Server{}},
		{"bad expect", with(st, map[string]string{"expect": "three"}), false, Server{}},
		{"bad raft_vsn", with(st, map[string]string{"raft_vsn": "-1"}), false, Server{}},
	} {
		s, ok := ServerFromMember(Member{Name: "n1", Addr: ip, Port: 8301, Tags: tc.tags, Status: StatusAlive})
		if ok != tc.ok {
			t.Errorf("%s: ok = %v", tc.name, ok)
			continue
		}
		if ok && !reflect.DeepEqual(*s, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, *s, tc.want)
		}
	}
}
