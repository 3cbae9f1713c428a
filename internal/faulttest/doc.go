// Package faulttest holds the fault test: the real HTTP server over a PostgreSQL cluster of the test's own,
// crashed and restarted several times while providers log operations one by one and in batches. It has no
// code outside its test; run it alone with `go test -v ./internal/faulttest` to see its counts.
package faulttest
