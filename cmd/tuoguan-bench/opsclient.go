package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/logger"
)

// providerAccounts creates, as admin and through the API, an account for each of providers (unless one was
// left by an earlier run on a kept database) and logs each in; it returns their tokens by provider id.
func providerAccounts(ctx context.Context, c *client, admin string, providers []int64) (map[int64]string, error) {
	tokens := map[int64]string{}
	for _, id := range providers {
		name := fmt.Sprintf("bench-provider-%d", id)
		u := map[string]any{"username": name, "password": benchPassword, "role": "provider", "provider_id": id}
		if err := c.createUser(ctx, admin, u); err != nil {
			return nil, err
		}
		var err error
		if tokens[id], err = c.login(ctx, name); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// makeTargets creates the table bench_targets of the delivery caps that operations can be logged against
// (an active contract of an active provider, dates that allow today or the contract's end, at least 2 mu of
// room), numbered from 1 for pgbench, and returns them.
func makeTargets(ctx context.Context, conn *pgx.Conn, w *World) ([]*capTarget, error) {
	day := w.Today.Format(time.DateOnly)
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS bench_targets"); err != nil {
		return nil, err
	}
	_, err := conn.Exec(ctx, `CREATE TABLE bench_targets AS
		SELECT (row_number() OVER (ORDER BY d.county_code, d.contract_id, d.parcel_id, d.op_type))::int AS n,
		       d.county_code, d.contract_id, d.parcel_id, d.op_type, c.provider_id, u.id AS user_id, u.username, c.region_code,
		       c.season_year, c.collective_id,
		       (SELECT '\x' || encode(s.token_hash, 'hex') FROM sessions s
		        WHERE s.user_id = u.id AND s.revoked_at IS NULL AND s.expires_at > now() ORDER BY s.expires_at DESC LIMIT 1) AS token_hash,
		       least('`+day+`'::date, c.end_date) AS op_date,
		       CASE WHEN d.op_type = 'harvesting' THEN round(`+benchArea+` * c.baseline_yield_kg_per_mu, 2)::text ELSE '' END AS yield,
		       floor((d.cap_area_mu - d.active_area_mu) * 100)::bigint AS room,
		       json_build_object('county_code', d.county_code, 'id', 0, 'contract_id', d.contract_id, 'parcel_id', d.parcel_id,
		           'op_type', d.op_type, 'op_date', least('`+day+`'::date, c.end_date)::text || 'T00:00:00Z', 'area_mu', '`+benchArea+`',
		           'yield_kg', CASE WHEN d.op_type = 'harvesting' THEN round(`+benchArea+` * c.baseline_yield_kg_per_mu, 2)::text END,
		           'moisture_pct', NULL, 'machine', '拖拉机', 'operator', '王建国', 'inputs', '[]'::json, 'location', NULL, 'note', NULL,
		           'status', 'recorded', 'dispute_reason', NULL, 'created_by', u.id, 'created_at', now(), 'updated_at', now())::text AS response
		FROM delivery_caps d
		JOIN contracts c ON c.county_code = d.county_code AND c.id = d.contract_id
		JOIN providers p ON p.id = c.provider_id
		JOIN users u ON u.provider_id = c.provider_id AND u.role = 'provider'
		WHERE c.status = 'active' AND p.status = 'active' AND c.start_date <= least('`+day+`'::date, c.end_date)
		  AND d.cap_area_mu - d.active_area_mu >= 2`)
	if err != nil {
		return nil, fmt.Errorf("bench_targets: %w", err)
	}
	if _, err := conn.Exec(ctx, "ALTER TABLE bench_targets ADD PRIMARY KEY (n)"); err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "ANALYZE bench_targets"); err != nil {
		return nil, err
	}
	rows, err := conn.Query(ctx, `SELECT county_code, contract_id, parcel_id, op_type, provider_id, user_id, op_date, yield, room,
		       season_year, region_code, collective_id, username, response
		FROM bench_targets ORDER BY n`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*capTarget, error) {
		t := &capTarget{}
		var room int64
		err := row.Scan(&t.county, &t.contract, &t.parcel, &t.opType, &t.provider, &t.user, &t.date, &t.yield, &room,
			&t.season, &t.region, &t.collective, &t.username, &t.response)
		t.room.Store(room)
		return t, err
	})
}

// refreshRoom rereads the room of every target, after pgbench has logged on them.
func refreshRoom(ctx context.Context, conn *pgx.Conn, targets []*capTarget) error {
	rows, err := conn.Query(ctx, `SELECT floor((d.cap_area_mu - d.active_area_mu) * 100)::bigint FROM bench_targets t
		JOIN delivery_caps d USING (county_code, contract_id, parcel_id, op_type) ORDER BY t.n`)
	if err != nil {
		return err
	}
	rooms, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	if len(rooms) != len(targets) {
		return fmt.Errorf("bench_targets: %d rows for %d targets", len(rooms), len(targets))
	}
	for i, t := range targets {
		t.room.Store(rooms[i])
	}
	return nil
}

// fields are the JSON fields of an operation logged on t, without braces.
func (t *capTarget) fields() string {
	s := fmt.Sprintf(`"parcel_id":%d,"op_type":%q,"op_date":%q,"area_mu":%q,"machine":"拖拉机","operator":"王建国"`,
		t.parcel, t.opType, t.date.Format(time.DateOnly), benchArea)
	if t.yield != "" {
		s += `,"yield_kg":"` + t.yield + `"`
	}
	return s
}

// postOperation logs one operation on t with Idempotency-Key key and expects it created.
func (c *client) postOperation(ctx context.Context, token string, t *capTarget, key string) error {
	path := "/api/v1/contracts/" + strconv.FormatInt(t.contract, 10) + "/operations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader("{"+t.fields()+"}"))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Idempotency-Key", key)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return fmt.Errorf("POST %s: status %d: %s", path, resp.StatusCode, b)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// postBatch syncs one operation on each of items, with keys, and returns how many were created; any other
// outcome is an error.
func (c *client) postBatch(ctx context.Context, token string, items []*capTarget, keys []string) (int, error) {
	var b bytes.Buffer
	b.WriteString(`{"operations":[`)
	for i, t := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"contract_id":%d,"idempotency_key":%q,%s}`, t.contract, keys[i], t.fields())
	}
	b.WriteString(`]}`)
	answer, err := c.postRaw(ctx, token, "/api/v1/operations/batch", b.Bytes(), http.StatusOK)
	if err != nil {
		return 0, err
	}
	// A result per item, each created, is told without decoding the answer's 700 kB (an operation's own status
	// is never "created"); any other answer is decoded to say what it holds.
	if bytes.Count(answer, []byte(`"status":"created"`)) == len(items) {
		return len(items), nil
	}
	var res struct {
		Results []struct {
			Status string          `json:"status"`
			Error  json.RawMessage `json:"error"`
		} `json:"results"`
	}
	if err := json.Unmarshal(answer, &res); err != nil {
		return 0, err
	}
	created := 0
	for i, r := range res.Results {
		if r.Status != "created" {
			return created, fmt.Errorf("batch item %d: %s %s", i, r.Status, r.Error)
		}
		created++
	}
	if created != len(items) {
		return created, fmt.Errorf("batch of %d: %d results", len(items), len(res.Results))
	}
	return created, nil
}

// postRaw posts body to path as token and returns the answer, an error unless its status is want.
func (c *client) postRaw(ctx context.Context, token, path string, body []byte, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != want {
		return nil, fmt.Errorf("POST %s: status %d: %.1000s", path, resp.StatusCode, b)
	}
	return b, nil
}

// row is an operation row like those the batch writes for t, with id id, for COPY.
func (t *capTarget) row(id int64) []any {
	var yield any
	if t.yield != "" {
		yield = numericOf(decimal.RequireFromString(t.yield))
	}
	now := time.Now()
	return []any{t.county, id, t.contract, t.parcel, t.opType, t.date, numericOf(decimal.RequireFromString(benchArea)), yield, nil,
		"拖拉机", "王建国", "[]", nil, nil, "recorded", nil, t.user, now, now, t.season, t.region, t.collective, t.provider}
}

// copyRolledBack copies what batch sync wrote for targets — an operation on each, its audit event and its
// idempotency key with the response kept for replays — into the tables themselves (their indexes at their
// size, their checks and foreign keys) in one transaction it then rolls back, and returns how long the
// three COPYs took; round keeps the ids and keys of rounds apart.
func copyRolledBack(ctx context.Context, conn *pgx.Conn, targets []*capTarget, round int) (time.Duration, error) {
	n := len(targets)
	ops, events, keys := make([][]any, n), make([][]any, n), make([][]any, n)
	hash := make([]byte, 32)
	for k, t := range targets {
		id := int64(1_000_000_000_000) + int64(round)*10_000_000 + int64(k)
		ops[k] = t.row(id)
		events[k] = []any{t.county, t.user, t.username, "provider", "000000000000000000000000", "operation.create", "operation",
			strconv.FormatInt(id, 10), t.region, nil, json.RawMessage(t.response)}
		keys[k] = []any{t.user, fmt.Sprintf("bench-copy-%d-%d", round, k), hash, id, json.RawMessage(t.response)}
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	tables := []struct {
		name    string
		columns []string
		rows    [][]any
	}{
		{"operations", operationColumns, ops},
		{"audit_events", []string{"county_code", "actor_id", "actor_username", "actor_role", "request_id", "action", "object_type",
			"object_id", "region_code", "before", "after"}, events},
		{"idempotency_keys", []string{"user_id", "key", "request_hash", "operation_id", "response"}, keys},
	}
	start := time.Now()
	for _, tb := range tables {
		copied, err := tx.CopyFrom(ctx, pgx.Identifier{tb.name}, tb.columns, pgx.CopyFromRows(tb.rows))
		if err != nil {
			return 0, fmt.Errorf("copy into %s: %w", tb.name, err)
		}
		if copied != int64(len(tb.rows)) {
			return 0, fmt.Errorf("copy into %s: %d of %d rows", tb.name, copied, len(tb.rows))
		}
	}
	return time.Since(start), nil
}

// sqlCapture is a gorm logger that records the statements run while it is on, with their durations.
type sqlCapture struct {
	logger.Interface
	mu    sync.Mutex
	stmts []capturedSQL
}

type capturedSQL struct {
	sql  string
	took time.Duration
}

func (s *sqlCapture) LogMode(logger.LogLevel) logger.Interface { return s }

func (s *sqlCapture) Trace(_ context.Context, begin time.Time, fc func() (string, int64), _ error) {
	took := time.Since(begin)
	sql, _ := fc()
	s.mu.Lock()
	s.stmts = append(s.stmts, capturedSQL{strings.Join(strings.Fields(sql), " "), took})
	s.mu.Unlock()
}

// showSQL prints the statements that the domain services run while do makes one request, with how long
// each took, cut to width characters (0: whole). BEGIN and COMMIT do not go through gorm's logger.
func showSQL(ctx context.Context, e *env, out io.Writer, what string, width int, do func() error) error {
	capture := &sqlCapture{Interface: logger.Discard}
	saved := e.db.Gorm.Logger
	e.db.Gorm.Logger = capture
	start := time.Now()
	err := do()
	took := time.Since(start)
	e.db.Gorm.Logger = saved
	if err != nil {
		return err
	}
	var sum time.Duration
	for _, s := range capture.stmts {
		sum += s.took
	}
	fmt.Fprintf(out, "statements of %s: %d through gorm taking %.1f ms of the request's %.1f ms (the session lookup runs before BEGIN):\n",
		what, len(capture.stmts), ms(sum), ms(took))
	for _, s := range capture.stmts {
		text := s.sql
		if width > 0 && len([]rune(text)) > width {
			text = string([]rune(text)[:width]) + " …"
		}
		fmt.Fprintf(out, "  %7.2f ms  %s\n", ms(s.took), text)
	}
	fmt.Fprintln(out)
	return ctx.Err()
}
