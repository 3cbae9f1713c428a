package main

import (
	"context"
	"fmt"
	"github.com/tuoguan/tuoguan/internal/rollup"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// task is one statement of the load's last part, after the big tables are copied: an index build, a key
// attached to its index, a foreign key restored and validated, or the statistics rollups rebuilt.
type task struct {
	label  string
	sql    string
	locks  map[string]lockMode // the tables the statement locks, and how
	needs  []string            // the labels of the tasks that must have run first
	target string              // the table a foreign key references
	// after, when set, reports on the work done once the statement has run.
	after func(ctx context.Context, conn *pgx.Conn) (string, error)
}

// lockMode is a table lock the load's statements take, weakest first.
type lockMode int

const (
	accessShare       lockMode = iota + 1 // reading a table
	share                                 // CREATE INDEX
	shareRowExclusive                     // ADD FOREIGN KEY, on both tables
	accessExclusive                       // ADD PRIMARY KEY … USING INDEX
)

// conflicts reports whether a and b wait for each other, as PostgreSQL's lock modes do.
func (a lockMode) conflicts(b lockMode) bool {
	switch {
	case a == accessExclusive || b == accessExclusive:
		return true
	case a == accessShare || b == accessShare:
		return false
	}
	return a != share || b != share
}

// conflicts reports whether t and u would wait for each other's locks.
func (t task) conflicts(u task) bool {
	for table, mode := range t.locks {
		if other, ok := u.locks[table]; ok && mode.conflicts(other) {
			return true
		}
	}
	return false
}

// touches reports whether t locks one of tables.
func (t task) touches(tables []string) bool {
	return slices.ContainsFunc(tables, func(s string) bool { _, ok := t.locks[s]; return ok })
}

// statsTables are the statistics rollups, which rollup.RebuildSQL fills from statsSources.
var statsTables, statsSources = []string{"stats_rollup", "stats_providers"}, []string{"contracts", "contract_services", "farms"}

// statsRebuild recomputes the statistics rollups from the running totals the generator wrote.
var statsRebuild = task{label: "rollup rebuild", sql: rollup.RebuildSQL,
	locks: map[string]lockMode{"contracts": accessShare, "contract_services": accessShare, "farms": accessShare,
		"stats_rollup": accessExclusive, "stats_providers": accessExclusive},
	after: func(ctx context.Context, conn *pgx.Conn) (string, error) {
		var rows int64
		err := conn.QueryRow(ctx, "SELECT count(*) FROM stats_rollup").Scan(&rows)
		return fmt.Sprintf("%d rollup rows", rows), err
	}}

// detach drops the foreign keys from tables and to them, then their indexes, primary keys and unique constraints (but the
// keys of keepKeys), so that the tables are filled without them, and returns the tasks that restore them: the index builds, in the order of tables, each
// table's key indexes first, then the keys attached to their indexes, then the foreign keys, each after the
// keys it references.
func (l *loader) detach(ctx context.Context, tables, keepKeys []string) ([]task, error) {
	fks, err := l.dropForeignKeys(ctx, tables)
	if err != nil {
		return nil, err
	}
	var builds, attaches []task
	keys := map[string][]string{} // a table's attach tasks, which foreign keys to it need
	for _, table := range tables {
		b, a, err := l.dropIndexes(ctx, table, slices.Contains(keepKeys, table))
		if err != nil {
			return nil, err
		}
		builds, attaches = append(builds, b...), append(attaches, a...)
		for _, t := range a {
			keys[table] = append(keys[table], t.label)
		}
	}
	for i := range fks {
		fks[i].needs = keys[fks[i].target]
	}
	return slices.Concat(builds, attaches, fks), nil
}

// dropIndexes drops the indexes of table and of its partitions, with its primary key and unique
// constraints unless keepKeys is set, and returns the tasks that build the indexes, key indexes first, and
// those that attach the keys to them. On a partitioned table a key is added back whole, its index built on
// every partition; a partition's indexes made for the table's come back with the table's.
func (l *loader) dropIndexes(ctx context.Context, table string, keepKeys bool) (builds, attaches []task, err error) {
	rows, err := l.conn.Query(ctx, `
		SELECT t.oid::regclass::text, t.relkind = 'p', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
		       coalesce(c.conname, ''), coalesce(c.contype, ''), coalesce(pg_get_constraintdef(c.oid), '')
		FROM (SELECT $1::regclass AS relid, 0 AS level UNION SELECT relid, level FROM pg_partition_tree($1::regclass)) p
		JOIN pg_class t ON t.oid = p.relid
		JOIN pg_index i ON i.indrelid = t.oid
		LEFT JOIN pg_constraint c ON c.conrelid = i.indrelid AND c.conindid = i.indexrelid
		WHERE coalesce(c.contype, '') IN ('', 'p', 'u') AND NOT ($2 AND c.contype IS NOT NULL)
		  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
		ORDER BY p.level, c.contype IS NULL, c.contype, 3`, table, keepKeys)
	if err != nil {
		return nil, nil, err
	}
	type index struct {
		rel                         string
		partitioned                 bool
		name, def, constraint, kind string
		constraintDef               string
	}
	indexes, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (index, error) {
		var i index
		return i, row.Scan(&i.rel, &i.partitioned, &i.name, &i.def, &i.constraint, &i.kind, &i.constraintDef)
	})
	if err != nil {
		return nil, nil, err
	}
	for _, i := range indexes {
		// A partition's statements lock the table too: they then wait for what is done to it.
		locks := func(mode lockMode) map[string]lockMode {
			m := map[string]lockMode{i.rel: mode}
			if i.rel != table {
				m[table] = max(m[table], share)
			}
			return m
		}
		name := pgx.Identifier{i.constraint}.Sanitize()
		kind := map[string]string{"p": "PRIMARY KEY", "u": "UNIQUE"}[i.kind]
		drop := "DROP INDEX " + i.name
		switch {
		case i.constraint != "" && i.partitioned:
			drop = "ALTER TABLE " + i.rel + " DROP CONSTRAINT " + name
			attaches = append(attaches, task{label: strings.ToLower(kind) + " " + i.constraint,
				sql: "ALTER TABLE " + i.rel + " ADD CONSTRAINT " + name + " " + i.constraintDef, locks: locks(accessExclusive)})
		case i.constraint != "":
			drop = "ALTER TABLE " + i.rel + " DROP CONSTRAINT " + name
			build := task{label: "index " + i.name, sql: i.def, locks: locks(share)}
			builds = append(builds, build)
			attaches = append(attaches, task{label: strings.ToLower(kind) + " " + i.constraint,
				sql:   "ALTER TABLE " + i.rel + " ADD CONSTRAINT " + name + " " + kind + " USING INDEX " + i.name,
				locks: locks(accessExclusive), needs: []string{build.label}})
		default:
			builds = append(builds, task{label: "index " + i.name, sql: strings.Replace(i.def, " ON ONLY ", " ON ", 1), locks: locks(share)})
		}
		if _, err := l.conn.Exec(ctx, drop); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", drop, err)
		}
	}
	return builds, attaches, nil
}

// dropForeignKeys drops the foreign keys from tables and to them, and returns the tasks that add them back.
func (l *loader) dropForeignKeys(ctx context.Context, tables []string) ([]task, error) {
	rows, err := l.conn.Query(ctx, `SELECT conrelid::regclass::text, conname, confrelid::regclass::text, pg_get_constraintdef(oid)
		FROM pg_constraint
		WHERE contype = 'f' AND (conrelid = ANY ($1::text[]::regclass[]) OR confrelid = ANY ($1::text[]::regclass[]))
		ORDER BY 1, 2`, tables)
	if err != nil {
		return nil, err
	}
	type fk struct{ table, name, target, def string }
	fks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (fk, error) {
		var f fk
		return f, row.Scan(&f.table, &f.name, &f.target, &f.def)
	})
	if err != nil {
		return nil, err
	}
	var adds []task
	for _, f := range fks {
		name := pgx.Identifier{f.name}.Sanitize()
		if _, err := l.conn.Exec(ctx, "ALTER TABLE "+f.table+" DROP CONSTRAINT "+name); err != nil {
			return nil, fmt.Errorf("drop %s of %s: %w", f.name, f.table, err)
		}
		adds = append(adds, task{label: "foreign key " + f.table + " → " + f.target, target: f.target,
			sql:   "ALTER TABLE " + f.table + " ADD CONSTRAINT " + name + " " + f.def,
			locks: map[string]lockMode{f.table: shareRowExclusive, f.target: shareRowExclusive}})
	}
	return adds, nil
}

// lanes is how many connections finish runs tasks on: as many as the machine has cores, the statements
// themselves being single-threaded but for the parallel workers of B-tree builds.
const lanes = 2

// finish runs tasks on lanes connections of their own. A free connection takes the first task in order that
// would not wait for the locks of a task running, so that lanes never sit blocked on each other.
func (l *loader) finish(ctx context.Context, tasks []task) error {
	start := time.Now()
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		running []*task
		pending []*task
	)
	done := map[string]bool{}
	for i := range tasks {
		pending = append(pending, &tasks[i])
		done[tasks[i].label] = false
	}
	for _, t := range tasks {
		for _, n := range t.needs {
			if _, ok := done[n]; !ok {
				return fmt.Errorf("%s needs %s, which is not a task of the load", t.label, n)
			}
		}
	}
	ready := func(t *task) bool {
		return !slices.ContainsFunc(t.needs, func(n string) bool { return !done[n] }) &&
			!slices.ContainsFunc(running, func(r *task) bool { return r.conflicts(*t) })
	}
	// next takes the first task whose needs have run and that conflicts with none running, waiting while none
	// is; it returns nil once every task has been taken or the load failed.
	next := func(ctx context.Context) *task {
		mu.Lock()
		defer mu.Unlock()
		for len(pending) > 0 && ctx.Err() == nil {
			for i, p := range pending {
				if ready(p) {
					pending = slices.Delete(pending, i, i+1)
					running = append(running, p)
					return p
				}
			}
			cond.Wait()
		}
		return nil
	}
	// finished lets the other lanes look again, once t has run (ok) or a lane failed.
	finished := func(t *task, ok bool) {
		mu.Lock()
		running = slices.DeleteFunc(running, func(r *task) bool { return r == t })
		if t != nil {
			done[t.label] = ok
		}
		cond.Broadcast()
		mu.Unlock()
	}
	lane := func(ctx context.Context) error {
		conn, err := connectLoader(ctx, l.dbURL)
		if err != nil {
			return err
		}
		defer conn.Close(context.WithoutCancel(ctx))
		for t := next(ctx); t != nil; t = next(ctx) {
			err := l.runTask(ctx, conn, *t)
			finished(t, err == nil)
			if err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	g := newGroup(ctx)
	for range lanes {
		g.run(func(ctx context.Context) error {
			err := lane(ctx)
			if err != nil {
				g.fail(err)
			}
			finished(nil, false)
			return err
		})
	}
	if err := g.wait(); err != nil {
		return err
	}
	took := time.Since(start)
	l.record(LoadStat{Table: "indexes, keys, rollups", Took: took, Note: fmt.Sprintf("%d statements", len(tasks))},
		"  %d index builds, foreign keys and rollups on %d connections in %s\n", len(tasks), lanes, round(took))
	return nil
}

// runTask runs t on conn and reports it.
func (l *loader) runTask(ctx context.Context, conn *pgx.Conn, t task) error {
	start := time.Now()
	if _, err := conn.Exec(ctx, t.sql); err != nil {
		return fmt.Errorf("%s: %w", t.sql, err)
	}
	note := ""
	if t.after != nil {
		var err error
		if note, err = t.after(ctx, conn); err != nil {
			return err
		}
		note = ": " + note
	}
	took := time.Since(start)
	l.record(LoadStat{Table: t.label, Took: took, Note: note}, "  %-58s %8s%s\n", t.label, round(took), note)
	return nil
}
