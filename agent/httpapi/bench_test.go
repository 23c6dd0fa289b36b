package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/concord-dev/concord/catalog"
)

// BenchmarkReadKVValue reads a 512 KiB PUT body that announces its length,
// as consul/api and curl send it.
func BenchmarkReadKVValue(b *testing.B) {
	s, err := New(Config{Datacenter: "dc1"}, newFakeAgent())
	if err != nil {
		b.Fatal(err)
	}
	body := bytes.Repeat([]byte("v"), catalog.MaxKVSize)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("PUT", "/v1/kv/big", bytes.NewReader(body))
		value, err := s.readKVValue(httptest.NewRecorder(), r)
		if err != nil || len(value) != len(body) {
			b.Fatalf("read %d bytes: %v", len(value), err)
		}
	}
}

func TestReadAllSized(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 100)
	for _, size := range []int{0, 1, 999, 1000, 1001, 5000} {
		got, err := readAllSized(bytes.NewReader(data), size)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("size hint %d: read %d bytes, %v", size, len(got), err)
		}
	}
}
