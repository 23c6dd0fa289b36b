package catalog

import "testing"

func TestCheckKVKey(t *testing.T) {
	cases := []struct {
		key string
		ok  bool
	}{
		{"", true},
		{"a/b", true},
		{"a//b", true},
		{"a/../b", true},
		{"/leading/and/trailing/", true},
		{"ünïcødé/键", true},
		{"a\x00b", false},
		{"\x00", false},
		{"a\xffb", false},
		{"a\xc3", false}, // a truncated two-byte sequence
	}
	for _, tc := range cases {
		err := CheckKVKey(tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("CheckKVKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
		}
		if err != nil && !IsBadRequest(err) {
			t.Errorf("CheckKVKey(%q) = %v, not a bad request", tc.key, err)
		}
	}
}
