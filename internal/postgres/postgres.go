// Package postgres opens Tuoguan's PostgreSQL database: it creates the database when it is missing, applies the
// embedded migrations under an advisory lock and tells whether the schema is current.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// DefaultURL is the database used when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres:postgres@127.0.0.1:5432/tuoguan?sslmode=disable"

// PoolSize is the number of connections kept open: on a two-core machine about sixteen gave the best
// throughput; fewer leave the database idle while requests wait.
const PoolSize = 16

// DB is an open database: gorm for the domain packages and the *sql.DB underneath for readiness checks.
type DB struct {
	Gorm *gorm.DB
	SQL  *sql.DB
}

// Close closes the pool.
func (db *DB) Close() error { return db.SQL.Close() }

// Analyze refreshes the planner's statistics of every table. A bulk load calls it before anything reads what
// it wrote: until autovacuum catches up, the planner takes the freshly filled tables for nearly empty, and a
// join it then orders on the county alone multiplies a county's farms by its contracts.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.SQL.ExecContext(ctx, "ANALYZE")
	return err
}

// Open connects to the database at url, creating the database first when it does not exist.
// It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// Lists and statistics filter on columns whose selectivity varies by orders of magnitude between calls;
	// a cached generic plan chosen for one call can be a full scan for the next.
	if _, ok := cfg.RuntimeParams["plan_cache_mode"]; !ok {
		cfg.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	}
	if err := ensureDatabase(ctx, cfg); err != nil {
		return nil, err
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(textNumerics))
	sqlDB.SetMaxOpenConns(PoolSize)
	sqlDB.SetMaxIdleConns(PoolSize)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", cfg.Database, err)
	}
	gdb, err := gorm.Open(gormpg.New(gormpg.Config{Conn: sqlDB}), &gorm.Config{
		// Use cases open their own transactions; an implicit one around every write costs a quarter of the
		// throughput.
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
	})
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return &DB{Gorm: gdb, SQL: sqlDB}, nil
}

// textNumerics has conn receive numeric values in their text form, and send them so. Every reader of a
// numeric column takes its exact digits — num's types, decimal, a string — and pgx would decode the binary
// form into a math/big integer first and print it back: a third of the server's time for a page of contracts.
func textNumerics(_ context.Context, conn *pgx.Conn) error {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: textNumeric{}})
	return nil
}

// textNumeric is pgx's numeric codec preferring the text format.
type textNumeric struct{ pgtype.NumericCodec }

// PreferredFormat implements pgtype.Codec.
func (textNumeric) PreferredFormat() int16 { return pgtype.TextFormatCode }

// ensureDatabase creates cfg's database through the server's maintenance database when it is missing.
// Two processes doing this at once are fine: the loser sees duplicate_database.
func ensureDatabase(ctx context.Context, cfg *pgx.ConnConfig) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name: no such database
		return fmt.Errorf("connect to %s: %w", cfg.Database, err)
	}
	admin := cfg.Copy()
	admin.Database = "postgres"
	aconn, err := pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to the maintenance database to create %s: %w", cfg.Database, err)
	}
	defer aconn.Close(ctx)
	_, err = aconn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize())
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // duplicate_database
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database %s: %w", cfg.Database, err)
	}
	return nil
}

// UniqueViolation reports whether err is a unique-constraint violation and names the constraint as the
// schema names it. Citus relays a worker's violation without the constraint's field, naming in the message
// the shard's constraint, which carries the shard's id ("parcels_code_key_102023"): the name is read from
// the message then, and the id dropped. A violation met while Citus commits a transaction that spans shard
// groups comes as an internal error (XX000) with the same message, and is recognised by it.
func UniqueViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "", false
	}
	if pgErr.Code != "23505" && (pgErr.Code != "XX000" || !strings.HasPrefix(pgErr.Message, "duplicate key value violates unique constraint")) {
		return "", false
	}
	if pgErr.ConstraintName != "" {
		return pgErr.ConstraintName, true
	}
	if m := shardConstraint.FindStringSubmatch(pgErr.Message); m != nil {
		return m[1], true
	}
	return "", true
}

// shardConstraint finds the constraint in the message of a unique violation on a shard.
var shardConstraint = regexp.MustCompile(`unique constraint "(.+?)(_[0-9]+)?"`)

// IsUniqueViolation reports whether err is a unique-constraint violation.
func IsUniqueViolation(err error) bool {
	_, ok := UniqueViolation(err)
	return ok
}
