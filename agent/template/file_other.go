//go:build !unix

package template

import "os"

// fileOwner is not kept where files have no Unix owner.
type fileOwner struct{}

func ownerOf(os.FileInfo) *fileOwner { return nil }

func (o *fileOwner) apply(*os.File) error { return nil }
