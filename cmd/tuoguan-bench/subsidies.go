package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"time"
)

// settlementTarget is the p95 a provider's statement should be read in, computed as it is read.
const settlementTarget = 100 * time.Millisecond

// measureSubsidies times, on the season with work done, a field sample drawn over the county with the most
// confirmed operations, and reading the draft settlement of the provider with the most confirmed operations in
// one county (a draft is computed whenever it is read).
func measureSubsidies(ctx context.Context, c *client, db *sql.DB, admin string, season, draws, reads int, out io.Writer) ([]Result, error) {
	var county string
	var provider, ops int64
	if err := db.QueryRowContext(ctx, `SELECT county_code, provider_id, count(*) FROM operations
		WHERE season_year = $1 AND status = 'confirmed' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1`, season).Scan(&county, &provider, &ops); err != nil {
		return nil, fmt.Errorf("the largest provider: %w", err)
	}
	var population int64
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM operations WHERE county_code = $1 AND season_year = $2 AND status = 'confirmed'`,
		county, season).Scan(&population); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "data:     county %s, season %d: %d confirmed operations; provider %d holds %d of them\n", county, season, population, provider, ops)
	draw := runLoad(ctx, fmt.Sprintf("field sample of a county (5 %% of %d)", population), 1, draws, 1, 0, func(ctx context.Context, i int) error {
		return c.post(ctx, admin, "/api/v1/verification-samples", map[string]any{
			"county_code": county + "000000", "season_year": season, "sample_pct": "5.00", "seed": i}, http.StatusCreated, nil)
	})
	var st struct {
		ID int64 `json:"id"`
	}
	if err := c.post(ctx, admin, "/api/v1/settlements", map[string]any{"provider_id": provider, "county_code": county + "000000",
		"season_year": season}, http.StatusCreated, &st); err != nil {
		return nil, err
	}
	read := c.MeasureFor(ctx, Case{Name: fmt.Sprintf("settlement of the largest provider (%d operations)", ops), Token: admin,
		Path: func(int) string { return fmt.Sprintf("/api/v1/settlements/%d", st.ID) }}, 3, reads, 1, 0)
	for _, r := range []Result{draw, read} {
		fmt.Fprintf(out, "  %-60s p50 %6.1f ms  p95 %6.1f ms  (%d requests, %d failed)\n", r.Case, ms(r.P50), ms(r.P95), r.Requests, r.Errors)
	}
	return []Result{draw, read}, nil
}
