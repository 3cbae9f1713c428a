package httpapi_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/demo"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
)

// TestCutExportFailsVisibly terminates the database connection of an operations export after its first bytes
// have reached the client, as a database restart would, and reads the rest over a real HTTP connection: the
// client must see the transfer fail (the chunked framing left open), never a clean end of a short file.
func TestCutExportFailsVisibly(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	if _, err := demo.Load(ctx, env.Services, demo.Options{Seed: 7, Scale: decimal.RequireFromString("0.025")}); err != nil {
		t.Fatal(err)
	}
	// Enough rows that the export is still reading them from the database when the client has its first
	// bytes: copies of the demo's operations, which the ledger shows like any other.
	if _, err := env.DB.SQL.ExecContext(ctx, `INSERT INTO operations (county_code, contract_id, parcel_id, op_type, op_date,
		area_mu, yield_kg, status, season_year, region_code, collective_id, provider_id)
		SELECT county_code, contract_id, parcel_id, op_type, op_date, area_mu, yield_kg, status, season_year,
		       region_code, collective_id, provider_id
		FROM operations, generate_series(1, 400)`); err != nil {
		t.Fatal(err)
	}
	// Analysed, as a load of this size would be: without statistics the planner may take the ledger's joins
	// for a handful of rows and sort them all before the first, and the export then sends nothing for minutes.
	if _, err := env.DB.SQL.ExecContext(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(env.Handler)
	defer srv.Close()

	// Go's client asks for gzip and inflates it unless told an encoding: the CSV is cut both compressed and not.
	for _, c := range []struct{ format, encoding string }{{"csv", ""}, {"csv", "identity"}, {"xlsx", ""}} {
		format := c.format
		t.Run(format+" "+c.encoding, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/operations?format="+format, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+env.Admin)
			if c.encoding != "" {
				req.Header.Set("Accept-Encoding", c.encoding)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			first := make([]byte, 1024)
			if _, err := io.ReadFull(resp.Body, first); err != nil {
				t.Fatal(err)
			}
			terminateExport(t, env)
			n, err := io.Copy(io.Discard, resp.Body)
			if err == nil {
				t.Fatalf("the cut %s export ended cleanly after %d more bytes; want a failed transfer", format, n)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Logf("the transfer failed with %v", err)
			}
		})
	}
}

// terminateExport ends the database session that streams the export, waiting for it to be running.
func terminateExport(t *testing.T, env *apitest.Env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := env.DB.SQL.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
			  AND query LIKE '%contracts.number%'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the export's query was not found running")
}
