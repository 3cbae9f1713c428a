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
	templateNodes postgres.Nodes
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
	if err := templateNodes.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName)); err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("test database kept for inspection: %s", name)
			return
		}
		if err := templateNodes.Drop(ctx, name); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	url, err := postgres.WithDatabase(ServerURL(), name)
	if err != nil {
		t.Fatalf("test database URL: %v", err)
	}
	return url
}

// buildTemplate makes sure the template of the current schema exists on every node and returns its name and
// the nodes. It builds the schema in a scratch database and renames it into place, so a template either
// exists whole or not at all. A Citus template accepts no connections, so that no daemon of the cluster's
// holds it open when it is cloned.
func buildTemplate(ctx context.Context) (string, postgres.Nodes, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", postgres.Nodes{}, err
	}
	name := "tuoguan_tmpl_" + hash
	ns, err := postgres.NodesOf(ctx, ServerURL())
	if err != nil {
		return "", ns, fmt.Errorf("the test server (set TEST_DATABASE_URL): %w", err)
	}
	if ns.Workers() == 1 {
		return "", ns, errors.New("the Citus coordinator of TEST_DATABASE_URL lists 1 worker; the tests need two or more")
	}
	admin, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		return "", ns, err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", ns, err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLock)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", ns, err
	}
	if exists {
		return name, ns, nil
	}
	scratch := name + "_build"
	// Two shards a worker keep a clone of the template small; the placement is the same with any count.
	if err := ns.Drop(ctx, scratch); err != nil {
		return "", ns, err
	}
	if err := ns.Create(ctx, scratch, 2*ns.Workers()); err != nil {
		return "", ns, err
	}
	url, err := postgres.WithDatabase(ServerURL(), scratch)
	if err != nil {
		return "", ns, err
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return "", ns, err
	}
	_, err = migrations.Apply(ctx, db.SQL)
	db.Close()
	if err != nil {
		return "", ns, err
	}
	seal := []string{fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", scratch, name)}
	if ns.Workers() > 0 {
		seal = []string{"ALTER DATABASE " + scratch + " ALLOW_CONNECTIONS false",
			"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + scratch + "'", seal[0]}
	}
	if err := ns.Exec(ctx, seal...); err != nil {
		return "", ns, err
	}
	return name, ns, nil
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
