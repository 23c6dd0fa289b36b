//go:build unix

package template

import (
	"os"
	"syscall"
)

// fileOwner is the uid and gid of a file being replaced.
type fileOwner struct{ uid, gid int }

func ownerOf(fi os.FileInfo) *fileOwner {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	return &fileOwner{uid: int(st.Uid), gid: int(st.Gid)}
}

// apply gives f the owner, when it differs from the one f was created
// with (only root may give a file away).
func (o *fileOwner) apply(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if cur := ownerOf(fi); cur != nil && *cur == *o {
		return nil
	}
	return f.Chown(o.uid, o.gid)
}
