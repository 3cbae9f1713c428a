package postgres

import (
	"context"
	"database/sql"

	"github.com/jackc/pgx/v5"
)

// A Check is a read that a transaction sends in its first round trip, ahead of its own statements, and that
// must pass before the transaction goes on: a request's session, say, confirmed without a round trip of its
// own. The context carries it from the request to the transaction (WithCheck, CheckOf); whatever answers the
// request settles it first (Settle), so that nothing is answered on a check that has not passed.
type Check interface {
	// Queue adds the read to b.
	Queue(b *pgx.Batch)
	// Passed reports whether a read sent found what it looks for.
	Passed() bool
	// Failure is the error to answer with when the read was sent and did not pass.
	Failure() error
}

type checkKey struct{}

// WithCheck returns ctx carrying c.
func WithCheck(ctx context.Context, c Check) context.Context {
	return context.WithValue(ctx, checkKey{}, c)
}

// CheckOf is the check ctx carries that has not passed yet, or nil.
func CheckOf(ctx context.Context) Check {
	c, _ := ctx.Value(checkKey{}).(Check)
	if c == nil || c.Passed() {
		return nil
	}
	return c
}

// Settle sends ctx's check in a round trip of its own on a connection of db, unless there is none or it
// has passed, and returns its failure.
func Settle(ctx context.Context, db *sql.DB) error {
	c := CheckOf(ctx)
	if c == nil {
		return nil
	}
	b := &pgx.Batch{}
	c.Queue(b)
	if err := SendGeneric(ctx, db, b); err != nil {
		return err
	}
	if !c.Passed() {
		return c.Failure()
	}
	return nil
}
