package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// WithConn runs f on a connection of db's pool as pgx sees it, for use cases that send their statements in
// pipelines (pgx.Batch) to save round trips. f opens and ends its transaction itself; whatever f leaves open
// is rolled back, and a connection that cannot roll back is dropped from the pool.
func WithConn(ctx context.Context, db *sql.DB, f func(*pgx.Conn) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		pc := driverConn.(*stdlib.Conn).Conn()
		err := f(pc)
		if pc.PgConn().TxStatus() != 'I' {
			if _, rerr := pc.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				return errors.Join(err, rerr, driver.ErrBadConn)
			}
		}
		return err
	})
}

// Send runs the statements queued on b on one connection of db in one round trip, each read by the function
// queued with it (pgx.QueuedQuery's Query and QueryRow), and returns the first error.
func Send(ctx context.Context, db *sql.DB, b *pgx.Batch) error {
	return WithConn(ctx, db, func(conn *pgx.Conn) error { return conn.SendBatch(ctx, b).Close() })
}

// Numbered rewrites the ? placeholders of query, as gorm takes them, into pgx's $1, $2, …, so that one
// statement serves both; the queries it is given hold no ? inside literals.
func Numbered(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for {
		i := strings.IndexByte(query, '?')
		if i < 0 {
			b.WriteString(query)
			return b.String()
		}
		n++
		b.WriteString(query[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		query = query[i+1:]
	}
}
