package deploy_test

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
	"testing"
)

func owner(fi os.FileInfo) (uid, gid int) {
	st := fi.Sys().(*syscall.Stat_t)
	return int(st.Uid), int(st.Gid)
}

func lookupIDs(t *testing.T, userName, groupName string) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(userName)
	if err != nil {
		t.Skipf("no user %s here: %v", userName, err)
	}
	g, err := user.LookupGroup(groupName)
	if err != nil {
		t.Skipf("no group %s here: %v", groupName, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(g.Gid)
	return uid, gid
}
