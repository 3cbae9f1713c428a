package main

import (
	"strings"
	"testing"
)

// TestPgbenchScript checks that the script takes the packages' statements whole — the session's check, the
// provider's status hold, the caps' lock, the totals' updates — every placeholder written as a pgbench variable
// or literal.
func TestPgbenchScript(t *testing.T) {
	script, err := pgbenchScript()
	if err != nil {
		t.Fatal(err)
	}
	for _, mark := range []string{sessionLine, lockLines, capLines, rollupLines} {
		if strings.Contains(script, mark) {
			t.Errorf("the script still has the mark %q", mark)
		}
	}
	for _, want := range []string{"s.token_hash = :th::bytea", "pg_advisory_xact_lock_shared", "FOR UPDATE OF d", "d.county_code = (:cc)::text"} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q of the statements it takes", want)
		}
	}
	if strings.Contains(script, "?") {
		t.Errorf("a placeholder is left in the script:\n%s", script)
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
