package main

import (
	"strings"
	"testing"
)

// TestPgbenchScript checks that the script takes the rollup package's statements whole: every placeholder
// written as a pgbench variable or literal, the caps, the service line and the rollups updated.
func TestPgbenchScript(t *testing.T) {
	script, err := pgbenchScript()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(script, rollupLines) {
		t.Error("the script still has the mark of the rollup's statements")
	}
	lines, err := rollupStatements()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(lines, "?") {
		t.Errorf("a placeholder is left:\n%s", lines)
	}
	for _, want := range []string{"UPDATE delivery_caps", "UPDATE contract_services", "UPDATE stats_rollup", "ARRAY[:cid]", "ARRAY[:pid]", "ARRAY['" + benchArea + "']"} {
		if !strings.Contains(lines, want) {
			t.Errorf("the rollup's statements lack %q:\n%s", want, lines)
		}
	}
}
