// Package tuoguan holds Tuoguan's HTTP contract as the repository keeps it.
package tuoguan

import _ "embed"

// OpenAPI is openapi.yaml byte for byte: served at /openapi.yaml and read by the request checks, so that the
// contract clients are generated from and the one the server enforces are the same file.
//
//go:embed openapi.yaml
var OpenAPI []byte
