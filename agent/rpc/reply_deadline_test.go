package rpc

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hashicorp/yamux"
)

// slowReader hands out at most chunk bytes per read, pausing between
// reads: a reader on a slow link.
type slowReader struct {
	r     io.Reader
	chunk int
	pause time.Duration
}

func (s *slowReader) Read(p []byte) (int, error) {
	time.Sleep(s.pause)
	if len(p) > s.chunk {
		p = p[:s.chunk]
	}
	return s.r.Read(p)
}

// A reply larger than the base write deadline allows at wire speed is
// still delivered when the caller reads it steadily: the deadline grows
// with the reply's size.
func TestLargeReplyOutlivesBaseWriteDeadline(t *testing.T) {
	l := startEcho(t)
	l.SetReplyWriteTimeout(100 * time.Millisecond)

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte{ProtoRPC}); err != nil {
		t.Fatal(err)
	}
	sess, err := yamux.Client(conn, yamuxConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	stream, err := sess.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	stream.SetDeadline(time.Now().Add(20 * time.Second))

	blob := bytes.Repeat([]byte("x"), 4<<20)
	h := newHandle()
	c := newCodec(stream, h)
	if err := c.write(&requestHeader{Method: "Echo"}, &echoArgs{Blob: blob}); err != nil {
		t.Fatal(err)
	}
	// About 6 MiB/s: the 4 MiB reply takes some 700 ms, far past the
	// 100 ms base but well above the minimum rate.
	slow := newCodec(struct {
		io.Reader
		io.Writer
	}{&slowReader{r: stream, chunk: 64 << 10, pause: 10 * time.Millisecond}, stream}, h)
	start := time.Now()
	var resp responseHeader
	if err := slow.read(&resp); err != nil || resp.Error != "" {
		t.Fatalf("response header: %v %q", err, resp.Error)
	}
	var r echoReply
	if err := slow.read(&r); err != nil {
		t.Fatalf("reply cut off after %v: %v", time.Since(start), err)
	}
	if !bytes.Equal(r.Blob, blob) {
		t.Fatalf("reply of %d bytes, want %d", len(r.Blob), len(blob))
	}
	t.Logf("4 MiB reply read in %v", time.Since(start))
}

func TestReplyDeadlineScalesWithSize(t *testing.T) {
	base := 10 * time.Second
	cases := []struct {
		written int64
		want    time.Duration
	}{
		{0, base},
		{1 << 20, base + time.Second},
		{64 << 20, base + 64*time.Second},
	}
	for _, tc := range cases {
		got := replyAllowance(base, tc.written)
		if d := got - tc.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("allowance for %d bytes = %v, want %v", tc.written, got, tc.want)
		}
	}
}
