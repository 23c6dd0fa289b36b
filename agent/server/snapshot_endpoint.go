package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/concord-dev/concord/catalog"
	"github.com/concord-dev/concord/catalog/fsm"
	"github.com/concord-dev/concord/catalog/snapshot"
	"github.com/hashicorp/raft"
)

// snapshotSave answers an archive of the state: the leader's unless
// ?stale, in which case whichever server receives the call. It asks Raft
// for a user snapshot, so the archive carries the index and term that
// snapshot was cut at, and opens it.
func (s *Server) snapshotSave(ctx context.Context, args *catalog.SnapshotSaveRequest, reply *catalog.SnapshotReply) error {
	return s.route(ctx, catalog.MethodSnapshotSave, args.Datacenter, args.AllowStale, false, args, reply, func() error {
		if err := s.allowManagement(args.Token); err != nil {
			return err
		}
		f := s.raft.Snapshot()
		if err := f.Error(); err != nil {
			return fmt.Errorf("taking snapshot: %w", err)
		}
		meta, rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("opening snapshot: %w", err)
		}
		defer rc.Close()
		var buf bytes.Buffer
		if err := snapshot.Write(&buf, meta, rc); err != nil {
			return fmt.Errorf("writing snapshot archive: %w", err)
		}
		if buf.Len() > catalog.MaxSnapshotSize {
			return fmt.Errorf("snapshot archive is %d bytes, over the %d this version moves", buf.Len(), catalog.MaxSnapshotSize)
		}
		reply.Archive = buf.Bytes()
		reply.Index = meta.Index
		s.setQueryMeta(&reply.QueryMeta)
		reply.QueryMeta.Index = meta.Index
		return nil
	})
}

// snapshotRestore replaces the state with an archive's. The archive is
// checked in full (checksums, metadata, and a trial decode of the state)
// by the server that receives it, before anything is forwarded or
// changed: raft installs a restored snapshot before the state machine
// reads it and panics if the state machine then refuses it.
//
// The leader restores through raft.Restore, which installs the snapshot
// at an index past its log, so followers receive it by InstallSnapshot.
func (s *Server) snapshotRestore(ctx context.Context, args *catalog.SnapshotRestoreRequest, reply *catalog.SnapshotReply) error {
	if err := s.allowManagement(args.Token); err != nil {
		return err
	}
	a, err := snapshot.Read(bytes.NewReader(args.Archive))
	if err != nil {
		return catalog.BadRequestf(err.Error())
	}
	if err := fsm.Verify(bytes.NewReader(a.State)); err != nil {
		return catalog.BadRequestf(fmt.Sprintf("%v: %s: %v", snapshot.ErrCorrupt, snapshot.StateFile, err))
	}
	return s.route(ctx, catalog.MethodSnapshotRestore, args.Datacenter, false, true, args, reply, func() error {
		if err := s.allowManagement(args.Token); err != nil {
			return err
		}
		if err := s.raft.Restore(&a.Meta, bytes.NewReader(a.State), 0); err != nil {
			if errors.Is(err, raft.ErrNotLeader) {
				return errNotLeader
			}
			return fmt.Errorf("restoring snapshot: %w", err)
		}
		s.logger.Warn("state replaced from a snapshot archive by operator request", "archive_index", a.Meta.Index, "index", s.raft.LastIndex())
		s.afterRestore()
		reply.Index = s.raft.LastIndex()
		return nil
	})
}

// afterRestore rebuilds what the leader keeps beside the store: session
// TTL timers for the restored sessions, and the ACL cache, whose entries
// are keyed by an ACL index the restored tables may repeat.
func (s *Server) afterRestore() {
	s.aclCache.reset()
	if err := s.raft.Barrier(30 * time.Second).Error(); err != nil {
		s.logger.Warn("barrier after restore failed", "error", err)
	}
	s.sessionTimers.stopAll()
	if err := s.startSessionTimers(); err != nil {
		s.logger.Warn("restarting session timers after restore failed", "error", err)
	}
}

// allowManagement refuses a token without acl:write, which is what Consul
// asks of snapshot save and restore. With ACLs off everyone may.
func (s *Server) allowManagement(token string) error {
	if !s.cfg.ACLsEnabled {
		return nil
	}
	authz, err := s.authorize(token)
	if err != nil {
		return err
	}
	if !authz.ACLWrite() {
		return catalog.ErrPermissionDenied
	}
	return nil
}
