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
	// revoked an hour ago; the fourth is live.
	if _, err := f.Store.SQL.ExecContext(ctx, `WITH s AS (SELECT token_hash, row_number() OVER (ORDER BY created_at, token_hash) AS n FROM sessions)
		UPDATE sessions SET
			expires_at = CASE WHEN s.n = 1 THEN now() - interval '2 days' ELSE sessions.expires_at END,
			revoked_at = CASE s.n WHEN 2 THEN now() - interval '2 days' WHEN 3 THEN now() - interval '1 hour' END
		FROM s WHERE s.token_hash = sessions.token_hash`); err != nil {
		t.Fatal(err)
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
