package httpapi

import (
	"io"
	"net/http"
	"sync"
	"time"
)

// boundBodyRead puts a read deadline on the connection for as long as the
// request's body is being read, so a client that announces a body and
// stalls is cut off after BodyReadTimeout. The deadline is lifted once the
// body has been read to its end, so a handler that then takes long (a
// write waiting for its commit) is not disturbed. http.Server's own
// ReadTimeout cannot be used: it would also end blocking GETs, which wait
// up to 10 minutes.
func (s *Server) boundBodyRead(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(s.cfg.BodyReadTimeout)); err != nil {
		return // not a real connection (a test recorder): nothing to bound
	}
	r.Body = &boundedBody{ReadCloser: r.Body, lift: func() { rc.SetReadDeadline(time.Time{}) }}
}

// boundedBody lifts the read deadline when the body reaches its end.
type boundedBody struct {
	io.ReadCloser
	once sync.Once
	lift func()
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.lift)
	}
	return n, err
}
