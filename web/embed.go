// Package web holds the browser app: its TypeScript source, and the files `vite build` writes to dist/.
// Built with the tag webapp (as `make build` does, after building the app), the binary embeds dist/ and serves
// it at /; built without it (a plain `go build ./...` on a fresh clone, where dist/ does not exist), the binary
// serves a page saying the app was not built.
package web

import _ "embed"

// NotBuilt is the page served at / by a binary built without the app.
//
//go:embed notbuilt.html
var NotBuilt []byte
