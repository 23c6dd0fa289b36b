package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/concord-dev/concord/catalog"
)

// snapshot answers GET /v1/snapshot (save) and PUT /v1/snapshot
// (restore). The archive crosses to the servers as one RPC message, so a
// client agent serves both just as a server does.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPut {
		return s.snapshotRestore(w, r)
	}
	return s.snapshotSave(w, r)
}

func (s *Server) snapshotSave(w http.ResponseWriter, r *http.Request) error {
	opts, err := s.queryOptions(r, false)
	if err != nil {
		return err
	}
	var out catalog.SnapshotReply
	if err := s.agent.RPC(r.Context(), catalog.MethodSnapshotSave, &catalog.SnapshotSaveRequest{QueryOptions: opts}, &out); err != nil {
		return err
	}
	setMeta(w, out.QueryMeta, opts)
	h := w.Header()
	h.Set("Content-Type", "application/x-gzip")
	h.Set("Content-Length", strconv.Itoa(len(out.Archive)))
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(out.Archive)
	if err != nil {
		s.logger.Debug("snapshot not delivered", "error", err)
	}
	return nil
}

func (s *Server) snapshotRestore(w http.ResponseWriter, r *http.Request) error {
	const limit = catalog.MaxSnapshotSize
	if r.ContentLength > limit {
		return bodyTooLarge(limit)
	}
	archive, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyTooLarge(limit)
		}
		return badRequest("reading snapshot: %v", err)
	}
	if len(archive) == 0 {
		return badRequest("snapshot archive is invalid: the request has no body")
	}
	var out catalog.SnapshotReply
	args := catalog.SnapshotRestoreRequest{WriteRequest: s.writeRequest(r), Archive: archive}
	if err := s.agent.RPC(r.Context(), catalog.MethodSnapshotRestore, &args, &out); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
