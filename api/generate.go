// Package api holds the server interface, the request and response types and the embedded specification,
// all generated from openapi.yaml. Never edit tuoguan.gen.go by hand: change openapi.yaml and run go generate.
package api

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
