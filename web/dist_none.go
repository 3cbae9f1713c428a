//go:build !webapp

package web

import "io/fs"

// Dist reports that this binary was built without the app (without the build tag webapp).
func Dist() (fs.FS, bool) { return nil, false }
