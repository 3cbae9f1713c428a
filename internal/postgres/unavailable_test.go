package postgres_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
)

// TestUnreachableTellsOutagesFromOtherFailures classifies the errors a database outage produces, bare and
// wrapped as the domain packages wrap them, against errors that are the request's or the server's own.
func TestUnreachableTellsOutagesFromOtherFailures(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return &pgconn.PgError{Severity: "FATAL", Code: code, Message: code} }
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"admin_shutdown", pg("57P01"), true},
		{"crash_shutdown", pg("57P02"), true},
		{"cannot_connect_now", pg("57P03"), true},
		{"connection_failure", pg("08006"), true},
		{"sqlclient_unable_to_establish_sqlconnection", pg("08001"), true},
		{"too_many_connections", pg("53300"), true},
		{"bad conn", driver.ErrBadConn, true},
		{"conn closed", pgconn.ErrConnClosed, true},
		{"broken pipe", &net.OpError{Op: "write", Net: "tcp", Err: errors.New("broken pipe")}, true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"wrapped by fmt", fmt.Errorf("log operations: %w", pg("57P01")), true},
		{"joined as WithConn joins", errors.Join(errors.New("failed"), errors.New("rollback failed"), driver.ErrBadConn), true},
		{"nil", nil, false},
		{"unique_violation", pg("23505"), false},
		{"serialization_failure", pg("40001"), false},
		{"lock_not_available", pg("55P03"), false},
		{"query_canceled", pg("57014"), false},
		{"record not found", gorm.ErrRecordNotFound, false},
		{"context canceled", context.Canceled, false},
		{"plain", errors.New("boom"), false},
	} {
		if got := postgres.Unreachable(c.err); got != c.want {
			t.Errorf("%s: Unreachable(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

// TestUnreachableKnowsARefusedConnection dials a port nobody listens on.
func TestUnreachableKnowsARefusedConnection(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().(*net.TCPAddr)
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = pgx.Connect(ctx, fmt.Sprintf("postgres://postgres@127.0.0.1:%d/tuoguan?sslmode=disable", addr.Port))
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if !postgres.Unreachable(err) {
		t.Errorf("Unreachable(%v) = false", err)
	}
}

// TestUnreachableKnowsATerminatedConnection has the server terminate a connection, as a shutdown does: the
// next statement on it and every later one are outages.
func TestUnreachableKnowsATerminatedConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.ExecContext(ctx, "SELECT pg_terminate_backend($1::int, 5000)", pid); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		_, err := conn.ExecContext(ctx, "SELECT 1")
		if err == nil {
			t.Fatalf("statement %d on a terminated connection succeeded", i)
		}
		if !postgres.Unreachable(err) {
			t.Errorf("statement %d: Unreachable(%v) = false", i, err)
		}
	}
}

func TestCancelledKnowsDeadlocksAndSerializationFailures(t *testing.T) {
	t.Parallel()
	pg := func(code string) error { return &pgconn.PgError{Severity: "ERROR", Code: code, Message: code} }
	for err, want := range map[error]bool{
		pg("40P01"): true, fmt.Errorf("logout: %w", pg("40001")): true,
		pg("23505"): false, pg("57P01"): false, pg("55P03"): false, driver.ErrBadConn: false,
	} {
		if got := postgres.Cancelled(err); got != want {
			t.Errorf("Cancelled(%v) = %v, want %v", err, got, want)
		}
	}
	if postgres.Cancelled(nil) {
		t.Error("Cancelled(nil)")
	}
}
