package postgres

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Unreachable reports whether err means that the database could not be reached or went away while it was
// being used: a connection that could not be made (refused, timed out, "the database system is starting up",
// connections to the database not allowed), a server that shut down or crashed under the connection
// (SQLSTATE 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, class 08 connection
// exception, 53300 too_many_connections), a socket that broke mid-statement, or a connection the driver
// already knows is dead (driver.ErrBadConn, pgconn.ErrConnClosed). It looks through any wrapping — gorm's,
// database/sql's, fmt.Errorf's %w, errors.Join — so it can be asked of any error a use case returns. A
// network error or an unexpected end of stream is taken for the database's: the database is the only peer a
// use case talks to (request bodies are read by the HTTP layer, which reports their failures as malformed).
//
// Such a failure is the database's, not the request's: the same request may succeed once the database is
// back, and the server recovers by itself (the pool drops dead connections and dials new ones).
func Unreachable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), // connection_exception and its subclasses
			pgErr.Code == "57P01", // admin_shutdown: terminated by pg_ctl stop or pg_terminate_backend
			pgErr.Code == "57P02", // crash_shutdown: another backend crashed
			pgErr.Code == "57P03", // cannot_connect_now: starting up, shutting down, in recovery
			pgErr.Code == "53300": // too_many_connections
			return true
		}
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, pgconn.ErrConnClosed) {
		return true
	}
	// A socket that broke under a statement: pgconn returns the network error of the read or write that
	// failed, or the stream's unexpected end, as they are.
	var netErr *net.OpError
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF)
}

// Cancelled reports whether the database cancelled err's transaction to settle a conflict with a concurrent
// one — a deadlock (40P01, which Citus also reports for a distributed deadlock) or a serialization failure
// (40001) — so that nothing of it was written, and the same request may succeed when run again.
func Cancelled(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}
