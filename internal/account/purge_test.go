package account_test

import (
	"context"
	"testing"

	"github.com/tuoguan/tuoguan/internal/custodytest"
)

func TestPurgeSessionsDeletesOnlyLongDeadOnes(t *testing.T) {
	t.Parallel()
	f := custodytest.New(t)
	ctx := context.Background()
	for range 4 {
		if _, _, err := f.Services.Accounts.Login(ctx, "admin", custodytest.AdminPassword, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
	}
	// Of the four sessions: one expired two days ago, one revoked two days ago, one
	// revoked an hour ago; the fourth is live. One statement each, the time a plain expression: Citus refuses
	// now() inside a CASE of an UPDATE.
	rows, err := f.Store.SQL.QueryContext(ctx, "SELECT token_hash FROM sessions ORDER BY created_at, token_hash")
	if err != nil {
		t.Fatal(err)
	}
	var hashes [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, h)
	}
	if err := rows.Err(); err != nil || len(hashes) != 4 {
		t.Fatalf("%d sessions, %v; want 4", len(hashes), err)
	}
	for i, set := range []string{"expires_at = now() - interval '2 days'", "revoked_at = now() - interval '2 days'",
		"revoked_at = now() - interval '1 hour'"} {
		if _, err := f.Store.SQL.ExecContext(ctx, "UPDATE sessions SET "+set+" WHERE token_hash = $1", hashes[i]); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.Services.Accounts.PurgeSessions(ctx)
	if err != nil || n != 2 {
		t.Fatalf("purged %d, %v; want 2", n, err)
	}
	var left int
	if err := f.Store.SQL.QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&left); err != nil || left != 2 {
		t.Fatalf("%d sessions left, %v; want 2", left, err)
	}
}
