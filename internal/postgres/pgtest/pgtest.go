// Package pgtest gives each test its own PostgreSQL database, cloned from a template that holds the migrated
// schema. The template is built once per schema version (named by a hash of the migrations) and shared by all
// test processes; a clone takes tens of milliseconds, so tests run in parallel on real databases.
//
// The server is TEST_DATABASE_URL, by default the local one as the postgres user. A test's database is
// dropped when the test passes and kept, with its name in the log, when it fails, so it can be opened with psql.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	templateOnce sync.Once
	templateName string
	templateErr  error
	counter      atomic.Int64
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
	templateOnce.Do(func() { templateName, templateErr = buildTemplate(ctx) })
	if templateErr != nil {
		t.Fatalf("test database template: %v", templateErr)
	}
	name := fmt.Sprintf("tuoguan_test_%d_%s_%d", os.Getpid(), runID, counter.Add(1))
	admin := connect(t, ctx, "")
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName)); err != nil {
		t.Fatalf("clone test database: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("test database kept for inspection: %s", name)
			return
		}
		c := connect(t, ctx, "")
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(name)
}

func connect(t testing.TB, ctx context.Context, database string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		t.Fatalf("TEST_DATABASE_URL: %v", err)
	}
	if database != "" {
		cfg.Database = database
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	return c
}

func withDatabase(name string) string {
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, name)
}

// buildTemplate makes sure the template of the current schema exists and returns its name. It builds the
// schema in a scratch database and renames it into place, so a template either exists whole or not at all.
func buildTemplate(ctx context.Context) (string, error) {
	hash, err := schemaHash()
	if err != nil {
		return "", err
	}
	name := "tuoguan_tmpl_" + hash
	cfg, err := pgx.ParseConfig(ServerURL())
	if err != nil {
		return "", err
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", fmt.Errorf("connect to the test server (set TEST_DATABASE_URL): %w", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock($1)", templateLock)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	scratch := name + "_build"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+scratch+" WITH (FORCE)"); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabase(scratch))
	if err != nil {
		return "", err
	}
	_, err = migrations.Apply(ctx, db.SQL)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s", scratch, name)); err != nil {
		return "", err
	}
	return name, nil
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
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
