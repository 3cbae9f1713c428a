package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestProblemOfACancelledTransaction checks that a transaction the database cancelled for a concurrent one is
// answered as 503, to be tried again, and any other database error as a 500.
func TestProblemOfACancelledTransaction(t *testing.T) {
	s := &Server{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for err, want := range map[error]int{
		fmt.Errorf("logout: %w", &pgconn.PgError{Code: "40P01", Message: "canceling the transaction since it was involved in a distributed deadlock"}): http.StatusServiceUnavailable,
		&pgconn.PgError{Code: "40001", Message: "could not serialize access"}:                                                                          http.StatusServiceUnavailable,
		&pgconn.PgError{Code: "42P01", Message: "relation does not exist"}:                                                                             http.StatusInternalServerError,
		errors.New("something else"): http.StatusInternalServerError,
	} {
		if p := s.problem(context.Background(), err); p.Status != want || (want == http.StatusServiceUnavailable && p.Code != "unavailable") {
			t.Errorf("problem(%v) = %d %s, want %d", err, p.Status, p.Code, want)
		}
	}
}
