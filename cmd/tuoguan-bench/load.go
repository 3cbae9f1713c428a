package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/pii"
)

// LoadStat is how one table, or one step of the load, went.
type LoadStat struct {
	Table string
	Rows  int64
	Took  time.Duration
	Note  string
}

func (s LoadStat) rate() float64 { return float64(s.Rows) / max(s.Took.Seconds(), 1e-9) }

// loader writes a World into a migrated database with COPY.
type loader struct {
	dbURL string
	conn  *pgx.Conn // the small tables, and the statements around the bulk load
	w     *World
	keys  *pii.Keyring
	out   io.Writer // safe for concurrent use
	mu    sync.Mutex
	stats []LoadStat
	// frozen are the tables copied with FREEZE.
	frozen []string
	// numbers counts the contracts of each collective and season as they are numbered.
	numbers []int32
}

// Load copies w into the database at dbURL, sealing personal data with keys as the services do. The small
// tables come first; the big ones (farms, parcels and the custody tables) are then copied at the same time,
// each on a connection of its own, with COPY … FREEZE and without their secondary indexes and foreign keys.
// Load then builds those indexes, validates those foreign keys and rebuilds the statistics rollups on
// several connections, moves the id sequences past the loaded rows and analyses the database.
func Load(ctx context.Context, dbURL string, w *World, keys *pii.Keyring, out io.Writer) ([]LoadStat, error) {
	conn, err := connectLoader(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	l := &loader{dbURL: dbURL, conn: conn, w: w, keys: keys, out: &lockedWriter{w: out}}
	// The rows are short-lived garbage, a few megabytes at a time: collect less often.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	for _, step := range []func(context.Context) error{l.regions, l.collectives, l.providers} {
		if err := step(ctx); err != nil {
			return l.stats, err
		}
	}
	// The tables filled in bulk, largest first: their indexes are built in this order.
	tables := []string{"parcels", "farms"}
	if w.Sizes.Contracts > 0 {
		tables = slices.Concat([]string{"operations", "delivery_caps", "contract_services", "contract_parcels", "parcels",
			"contracts", "farms"}, statsTables)
	}
	// The tables the statistics rebuild reads keep their keys while they are copied, so that it can start
	// as soon as they are, beside the index builds and the foreign keys.
	tasks, err := l.detach(ctx, tables, statsSources)
	if err != nil {
		return l.stats, err
	}
	if err := l.copyBulk(ctx); err != nil {
		return l.stats, err
	}
	if w.Sizes.Contracts > 0 {
		if err := l.contractNumbers(ctx); err != nil {
			return l.stats, err
		}
		for i := range tasks {
			if tasks[i].touches(statsTables) {
				tasks[i].needs = append(tasks[i].needs, statsRebuild.label)
			}
		}
		tasks = append([]task{statsRebuild}, tasks...)
	}
	if err := l.finish(ctx, tasks); err != nil {
		return l.stats, err
	}
	for _, table := range []string{"collectives", "providers", "farms", "parcels", "contracts", "operations"} {
		q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%[1]s', 'id'), max(id)) FROM %[1]s", table)
		if _, err := conn.Exec(ctx, q); err != nil {
			return l.stats, fmt.Errorf("move the %s id sequence: %w", table, err)
		}
	}
	start := time.Now()
	// The tables copied with FREEZE were analysed in their copy's transaction and need no vacuum, unless they
	// have an index on an expression: ANALYZE alone gathers its statistics, and it ran before the index existed.
	var others []string
	err = conn.QueryRow(ctx, `SELECT coalesce(array_agg(oid::regclass::text ORDER BY relname), '{}') FROM pg_class c
		WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition
			AND (NOT relname = ANY ($1) OR EXISTS (SELECT FROM pg_index i WHERE i.indrelid = c.oid AND i.indexprs IS NOT NULL))`,
		l.frozen).Scan(&others)
	if err != nil {
		return l.stats, err
	}
	if _, err := conn.Exec(ctx, "VACUUM (ANALYZE) "+strings.Join(others, ", ")); err != nil {
		return l.stats, fmt.Errorf("vacuum analyze: %w", err)
	}
	l.record(LoadStat{Table: "VACUUM (ANALYZE)", Took: time.Since(start)}, "  vacuum (analyze) of the %d other tables in %s\n",
		len(others), round(time.Since(start)))
	return l.stats, nil
}

// connectLoader connects to dbURL with the memory that index builds, and the anti-joins that validate
// restored foreign keys, need to sort and hash a province's rows, and without JIT compilation, which costs
// the statistics rebuild more than it saves.
func connectLoader(ctx context.Context, dbURL string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{"SET maintenance_work_mem = '1GB'", "SET work_mem = '1GB'", "SET jit = off"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			conn.Close(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	return conn, nil
}

// copied keeps what s copied, and prints a line about it.
func (l *loader) copied(s *copyStream, st LoadStat) {
	if s.frozen {
		l.mu.Lock()
		l.frozen = append(l.frozen, s.table)
		l.mu.Unlock()
	}
	l.record(st, "  %-17s %9d rows in %8s  %9.0f rows/s\n", st.Table, st.Rows, round(st.Took), st.rate())
}

// record keeps s and prints a line about it.
func (l *loader) record(s LoadStat, format string, args ...any) {
	l.mu.Lock()
	l.stats = append(l.stats, s)
	l.mu.Unlock()
	fmt.Fprintf(l.out, format, args...)
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// copyBulk copies farms, parcels and, when there are contracts, the custody tables, all at once.
func (l *loader) copyBulk(ctx context.Context) error {
	start := time.Now()
	g := newGroup(ctx)
	g.run(func(ctx context.Context) error {
		return l.copyTable(ctx, g, "farms", farmColumns, l.w.Sizes.Farms, l.farmRow)
	})
	g.run(func(ctx context.Context) error {
		return l.copyTable(ctx, g, "parcels", parcelColumns, l.w.Sizes.Parcels, l.parcelRow)
	})
	if l.w.Sizes.Contracts > 0 {
		g.run(func(ctx context.Context) error { return l.custody(ctx, g) })
	}
	if err := g.wait(); err != nil {
		return err
	}
	var rows int64
	for _, s := range l.stats {
		rows += s.Rows
	}
	took := time.Since(start)
	l.record(LoadStat{Table: "copy", Took: took, Note: "all big tables at once"},
		"  copied the big tables at once in %s: %.0f rows/s in all\n", round(took), float64(rows)/took.Seconds())
	return nil
}

// progress prints a table's progress every quarter of n, for large n.
func (l *loader) progress(table string, i, n int, unit string) {
	if n >= 10_000 && i > 0 && i%max(n/4, 1) == 0 && i < n {
		fmt.Fprintf(l.out, "  %-17s %9d / %d %s\n", table, i, n, unit)
	}
}

// copyTable streams the n rows made by row into table's columns with a copyStream of g.
func (l *loader) copyTable(ctx context.Context, g *group, table string, columns []string, n int, row func(i int) ([]any, error)) error {
	s, err := openStream(ctx, l.dbURL, table, columns, g.fail)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	for i := range n {
		l.progress(table, i, n, "")
		v, err := row(i)
		if err != nil {
			return err
		}
		if err := s.add(ctx, v); err != nil {
			return err
		}
	}
	st, err := s.finish(ctx)
	if err != nil {
		return err
	}
	l.copied(s, st)
	return nil
}

// copyRows copies the n rows made by row into table's columns on the loader's connection: for the small
// tables, whose rows are made first.
func (l *loader) copyRows(ctx context.Context, table string, columns []string, n int, row func(i int) ([]any, error)) error {
	start := time.Now()
	rows := make([][]any, n)
	for i := range rows {
		var err error
		if rows[i], err = row(i); err != nil {
			return err
		}
	}
	got, err := l.conn.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	s := LoadStat{Table: table, Rows: got, Took: time.Since(start)}
	l.record(s, "  %-17s %9d rows in %8s  %9.0f rows/s\n", table, got, round(s.Took), s.rate())
	return nil
}

func (l *loader) regions(ctx context.Context) error {
	rs := l.w.Regions
	return l.copyRows(ctx, "regions", []string{"code", "name", "level", "parent_code"}, len(rs), func(i int) ([]any, error) {
		var parent any
		if rs[i].Parent != "" {
			parent = rs[i].Parent
		}
		return []any{rs[i].Code, rs[i].Name, rs[i].Level, parent}, nil
	})
}

func (l *loader) collectives(ctx context.Context) error {
	cs := l.w.Collectives
	cols := []string{"county_code", "id", "region_code", "name", "credit_code", "contact_name",
		"contact_phone_enc", "contact_phone_mac", "contact_phone_mask", "created_at", "updated_at"}
	return l.copyRows(ctx, "collectives", cols, len(cs), func(i int) ([]any, error) {
		c := cs[i]
		r := rowRand(l.w.Seed, saltCollective, i)
		org := c.Village.Code[6:12] + string(creditAlphabet[r.IntN(31)]) + string(creditAlphabet[r.IntN(31)]) + string(creditAlphabet[r.IntN(31)])
		phone := mobile(r)
		enc, err := l.keys.Seal(phone, fmt.Sprintf("collectives/%s/%d/contact_phone", c.CountyCode, c.ID))
		if err != nil {
			return nil, err
		}
		at := epoch.AddDate(-1, 0, 0).Add(time.Duration(i) * time.Hour)
		return []any{c.CountyCode, c.ID, c.Village.Code, c.Village.Name + "股份经济合作社", creditCode("N2", c.CountyCode, org),
			personName(r), enc, l.keys.Lookup(pii.KindPhone, phone), pii.MaskPhone(phone), at, at}, nil
	})
}

func (l *loader) providers(ctx context.Context) error {
	cols := []string{"id", "name", "kind", "credit_code", "region_code", "operation_types", "machinery", "contact_name",
		"contact_phone_enc", "contact_phone_mac", "contact_phone_mask", "status", "created_at", "updated_at"}
	return l.copyRows(ctx, "providers", cols, l.w.Sizes.Providers, func(i int) ([]any, error) {
		p := l.w.providers[i]
		var m strings.Builder
		m.WriteByte('[')
		for n, t := range p.Machines {
			if n > 0 {
				m.WriteByte(',')
			}
			fmt.Fprintf(&m, `{"type":%q,"count":%d}`, t, p.MachineCounts[n])
		}
		m.WriteByte(']')
		enc, err := l.keys.Seal(p.Phone, fmt.Sprintf("providers/%d/contact_phone", p.ID))
		if err != nil {
			return nil, err
		}
		var credit any
		if p.CreditCode != "" {
			credit = p.CreditCode
		}
		return []any{p.ID, p.Name, p.Kind, credit, p.Region, p.Offers, m.String(), p.Contact, enc, l.keys.Lookup(pii.KindPhone, p.Phone),
			pii.MaskPhone(p.Phone), p.Status, p.CreatedAt, p.CreatedAt}, nil
	})
}

// farmColumns are the columns of a farm row, as farmRow fills them.
var farmColumns = []string{"county_code", "id", "collective_id", "region_code", "kind", "name", "operator_name",
	"id_number_enc", "id_number_mac", "id_number_mask", "phone_enc", "phone_mac", "phone_mask",
	"registered_on", "credit_code", "demonstration_level", "business_models", "operated_area_mu", "created_at", "updated_at"}

// farmRow is the row of farm index k, its personal data sealed.
func (l *loader) farmRow(k int) ([]any, error) {
	f := l.w.Farm(k)
	county := f.Collective.CountyCode
	idEnc, err := l.keys.Seal(f.IDNumber, fmt.Sprintf("farms/%s/%d/id_number", county, f.ID))
	if err != nil {
		return nil, err
	}
	phoneEnc, err := l.keys.Seal(f.Phone, fmt.Sprintf("farms/%s/%d/phone", county, f.ID))
	if err != nil {
		return nil, err
	}
	var registered, credit, area any
	if f.RegisteredOn != nil {
		registered = *f.RegisteredOn
	}
	if f.CreditCode != nil {
		credit = *f.CreditCode
	}
	if f.OperatedAreaCents > 0 {
		area = numeric(f.OperatedAreaCents)
	}
	models := f.BusinessModels
	if models == nil {
		models = []string{}
	}
	return []any{county, f.ID, f.Collective.ID, f.Collective.Village.Code, f.Kind, f.Name, f.Operator,
		idEnc, l.keys.Lookup(pii.KindIDNumber, f.IDNumber), pii.MaskIDNumber(f.IDNumber),
		phoneEnc, l.keys.Lookup(pii.KindPhone, f.Phone), pii.MaskPhone(f.Phone),
		registered, credit, f.DemonstrationLevel, models, area, f.CreatedAt, f.CreatedAt}, nil
}

// parcelColumns are the columns of a parcel row, as parcelRow fills them.
var parcelColumns = []string{"county_code", "id", "farm_id", "collective_id", "region_code", "code", "name", "area_mu", "land_type",
	"certificate_no", "boundary", "measured_area_mu", "area_mismatch", "created_at", "updated_at"}

// parcelRow is the row of parcel index j.
func (l *loader) parcelRow(j int) ([]any, error) {
	p, err := l.w.Parcel(j)
	if err != nil {
		return nil, err
	}
	var code, cert, boundary, measured any
	if p.Code != nil {
		code = *p.Code
	}
	if p.CertificateNo != nil {
		cert = *p.CertificateNo
	}
	if p.Boundary != nil {
		boundary, measured = string(p.Boundary), numericOf(p.MeasuredArea.Decimal())
	}
	return []any{p.CountyCode, p.ID, int64(p.FarmIndex + 1), p.CollectiveID, p.Village, code, p.Name, numeric(p.AreaCents),
		p.LandType, cert, boundary, measured, p.AreaMismatch, p.CreatedAt, p.CreatedAt}, nil
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
