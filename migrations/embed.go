// Package migrations holds the schema as numbered, forward-only SQL files, embedded into the binary.
// A file is named NNNN_what.sql; each runs once, in its own transaction, in order of its number.
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
