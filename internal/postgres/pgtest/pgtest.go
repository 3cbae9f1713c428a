// Package pgtest gives each test its own PostgreSQL database, cloned from a template that holds the migrated
// schema. The template is built once per schema version (named by a hash of the migrations) and shared by all
// test processes; a clone takes tens of milliseconds, so tests run in parallel on real databases.
//
// The server is TEST_DATABASE_URL, by default the local one as the postgres user. A test's database is
// dropped when the test passes and kept, with its name in the log, when it fails, so it can be opened with psql.
//
// When the server is a Citus coordinator (its maintenance database has the citus extension and lists at
// least two workers), every database is made on the coordinator and each worker alike: the template holds
// the schema placed on the cluster by migrations.Apply, and a clone of it on every node is a cluster of its
// own.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/migrations"
)

// DefaultURL is the server used when TEST_DATABASE_URL is not set.
const DefaultURL = "postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable"

// templateLock serialises building the template between test processes.
const templateLock = 7_348_201_502

// runID tells this process's databases from those of an earlier process that had the same pid and whose
// failed tests kept theirs.
var runID = strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 36)

var (
	templateOnce  sync.Once
	templateName  string
	templateNodes []node
	templateErr   error
	counter       atomic.Int64
)

// ServerURL returns the URL of the test server's maintenance database.
func ServerURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New returns an open database of its own for t, migrated to the current schema.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	url := NewURL(t)
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewURL creates a database of its own for t, migrated to the current schema, and returns its URL without
// opening it. Cleanups drop it when t passes.
func NewURL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	templateOnce.Do(func() { templateName, templateNodes, templateErr = buildTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("test database template: %v", templateErr)
	}
	name := fmt.Sprintf("tuoguan_test_%d_%s_%d", os.Getpid(), runID, counter.Add(1))
	if err := onNodes(ctx, templateNodes, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName)); err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("test database kept for inspection: %s", name)
			return
		}
		if err := drop(ctx, templateNodes, name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(name)
}

// drop drops database on every node. The daemons a Citus cluster keeps in each of its databases connect to
// one another's nodes, so it first shuts the database on every node, then ends its sessions, then drops it,
// trying again while a session is still leaving.
func drop(ctx context.Context, ns []node, database string) error {
	if err := onNodes(ctx, ns, "ALTER DATABASE "+database+" ALLOW_CONNECTIONS false",
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+database+"'"); err != nil {
		return err
	}
	var err error
	for range 10 {
		if err = onNodes(ctx, ns, "DROP DATABASE IF EXISTS "+database+" WITH (FORCE)"); err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
	}
	return err
}

// node is one server a test database lives on: the test server, or one node of its Citus cluster, addressed
// by the test server's URL with its host and port.
type node struct {
	host string
	port uint16
}

// nodes are the servers a database is made on: the test server, then its workers when it is a Citus
// coordinator.
func nodes(ctx context.Context, admin *pgx.Conn) ([]node, error) {
	cfg := admin.Config()
	all := []node{{cfg.Host, cfg.Port}}
	var citus bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&citus); err != nil || !citus {
		return all, err
	}
	rows, err := admin.Query(ctx, "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 AND isactive AND noderole = 'primary' ORDER BY nodeid")
	if err != nil {
		return nil, err
	}
	workers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (node, error) {
		var n node
		var port int32
		err := r.Scan(&n.host, &port)
		n.port = uint16(port)
		return n, err
	})
	if err != nil {
		return nil, err
	}
	if len(workers) < 2 {
		return nil, fmt.Errorf("the Citus coordinator %s:%d lists %d workers; the tests need two or more", cfg.Host, cfg.Port, len(workers))
	}
	return append(all, workers...), nil
}

// connectTo connects to database (the server URL's own when empty) on n (the test server when zero).
func connectTo(ctx context.Context, n node, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		return nil, fmt.Errorf("TEST_DATABASE_URL: %w", err)
	}
	if n.host != "" {
		cfg.Host, cfg.Port = n.host, n.port
	}
	if database != "" {
		cfg.Database = database
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// onNodes runs each statement in the maintenance database of every node, all on one node before the next.
func onNodes(ctx context.Context, ns []node, statements ...string) error {
	for _, n := range ns {
		if err := execOn(ctx, n, "", statements...); err != nil {
			return err
		}
	}
	return nil
}

func withDatabase(name string) string {
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, name)
}

// buildTemplate makes sure the template of the current schema exists on every node and returns its name and
// the nodes. It builds the schema in a scratch database and renames it into place, so a template either
// exists whole or not at all. A Citus template accepts no connections, so that no daemon of the cluster's
// holds it open when it is cloned.
func buildTemplate(ctx context.Context) (string, []node, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", nil, err
	}
	name := "tuoguan_tmpl_" + hash
	admin, err := connectTo(ctx, node{}, "")
	if err != nil {
		return "", nil, fmt.Errorf("connect to the test server (set TEST_DATABASE_URL): %w", err)
	}
	defer admin.Close(ctx)
	ns, err := nodes(ctx, admin)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", nil, err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLock)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", nil, err
	}
	if exists {
		return name, ns, nil
	}
	scratch := name + "_build"
	if err := onNodes(ctx, ns, "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)", "CREATE DATABASE "+scratch); err != nil {
		return "", nil, err
	}
	if len(ns) > 1 {
		if err := joinCluster(ctx, ns, scratch); err != nil {
			return "", nil, err
		}
	}
	db, err := postgres.Open(ctx, withDatabase(scratch))
	if err != nil {
		return "", nil, err
	}
	_, err = migrations.Apply(ctx, db.SQL)
	db.Close()
	if err != nil {
		return "", nil, err
	}
	seal := []string{fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", scratch, name)}
	if len(ns) > 1 {
		seal = []string{"ALTER DATABASE " + scratch + " ALLOW_CONNECTIONS false",
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + scratch + "'", seal[0]}
	}
	if err := onNodes(ctx, ns, seal...); err != nil {
		return "", nil, err
	}
	return name, ns, nil
}

// joinCluster makes database, created on every node, one Citus cluster: the extension on each node, then the
// coordinator (ns[0]) told its own address and its workers'.
func joinCluster(ctx context.Context, ns []node, database string) error {
	for _, n := range ns {
		if err := execOn(ctx, n, database, "CREATE EXTENSION citus"); err != nil {
			return err
		}
	}
	coordinator := ns[0]
	// Two shards a worker keep a clone of the template small; the placement is the same with any count.
	join := []string{fmt.Sprintf("ALTER DATABASE %s SET citus.shard_count = %d", database, 2*(len(ns)-1)),
		fmt.Sprintf("SELECT citus_set_coordinator_host('%s', %d)", coordinator.host, coordinator.port)}
	for _, w := range ns[1:] {
		join = append(join, fmt.Sprintf("SELECT citus_add_node('%s', %d)", w.host, w.port))
	}
	return execOn(ctx, coordinator, database, join...)
}

// execOn runs each statement in database on n.
func execOn(ctx context.Context, n node, database string, statements ...string) error {
	c, err := connectTo(ctx, n, database)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, q := range statements {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s:%d: %w", n.host, n.port, err)
		}
	}
	return nil
}

func schemaHash() (string, error) {
	ms, err := postgres.Migrations(migrations.FS)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%s\x00%s\x00", m.Name, m.SQL)
	}
	fmt.Fprintf(h, "%v shard count 2", migrations.Placement)
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
