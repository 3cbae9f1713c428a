package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// copyBatch is how many rows a producer hands a copy stream at a time.
const copyBatch = 256

// copyStream loads one table with COPY … FREEZE on a connection of its own. The table is truncated and
// copied in one transaction, which lets PostgreSQL write the rows frozen and their pages all-visible: no
// vacuum has to visit them afterwards, and no reader sets their hint bits. (A partitioned table is copied
// without FREEZE, which it does not take.) A producer adds rows from its own
// goroutine; the rows are encoded in COPY's binary format in the goroutine that sends them.
type copyStream struct {
	table  string
	frozen bool // copied with FREEZE
	conn   *pgx.Conn
	rows   chan [][]any
	batch  [][]any
	sent   int64
	start  time.Time
	stop   context.CancelCauseFunc // aborts this stream's COPY
	done   chan struct{}           // closed when the COPY has ended
	err    error                   // the COPY's outcome, once done is closed
}

// openStream connects to dbURL, begins a transaction that truncates table and starts copying into its
// columns. A failed COPY cancels ctx's group through fail, so that the producer stops too.
func openStream(ctx context.Context, dbURL, table string, columns []string, fail context.CancelCauseFunc) (s *copyStream, err error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			conn.Close(context.WithoutCancel(ctx))
		}
	}()
	ident := pgx.Identifier{table}.Sanitize()
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	cols := strings.Join(quoted, ", ")
	for _, q := range []string{"BEGIN", "TRUNCATE " + ident} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	// COPY FREEZE takes plain tables only.
	freeze := ", FREEZE"
	var partitioned bool
	if err := conn.QueryRow(ctx, "SELECT relkind = 'p' FROM pg_class WHERE oid = $1::regclass", table).Scan(&partitioned); err != nil {
		return nil, err
	}
	if partitioned {
		freeze = ""
	}
	sd, err := conn.Prepare(ctx, "", "SELECT "+cols+" FROM "+ident)
	if err != nil {
		return nil, err
	}
	r := &rowReader{rows: make(chan [][]any, 16), m: conn.TypeMap()}
	for _, f := range sd.Fields {
		r.oids = append(r.oids, f.DataTypeOID)
	}
	copyCtx, stop := context.WithCancelCause(ctx)
	r.ctx = copyCtx
	s = &copyStream{table: table, frozen: !partitioned, conn: conn, rows: r.rows, start: time.Now(), stop: stop, done: make(chan struct{})}
	sql := "COPY " + ident + " (" + cols + ") FROM STDIN WITH (FORMAT binary" + freeze + ")"
	go func() {
		defer close(s.done)
		if _, s.err = conn.PgConn().CopyFrom(copyCtx, r, sql); s.err != nil {
			s.err = fmt.Errorf("copy %s: %w", table, s.err)
			fail(s.err)
		}
	}()
	return s, nil
}

// add queues row for the COPY; it fails once ctx is done.
func (s *copyStream) add(ctx context.Context, row []any) error {
	s.batch = append(s.batch, row)
	if len(s.batch) < copyBatch {
		return nil
	}
	return s.flush(ctx)
}

func (s *copyStream) flush(ctx context.Context) error {
	if len(s.batch) == 0 {
		return nil
	}
	select {
	case s.rows <- s.batch:
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-s.done:
		return s.err
	}
	s.sent += int64(len(s.batch))
	s.batch = make([][]any, 0, copyBatch)
	return nil
}

// finish sends the last rows, ends the COPY, analyses the table and commits; it returns the rows copied and
// how long it took.
func (s *copyStream) finish(ctx context.Context) (LoadStat, error) {
	if err := s.flush(ctx); err != nil {
		return LoadStat{}, err
	}
	close(s.rows)
	<-s.done
	if s.err != nil {
		return LoadStat{}, s.err
	}
	// Statistics now let the statements that follow (index builds, foreign keys, the rollups) plan for the
	// rows there are.
	for _, q := range []string{"ANALYZE " + pgx.Identifier{s.table}.Sanitize(), "COMMIT"} {
		if _, err := s.conn.Exec(ctx, q); err != nil {
			return LoadStat{}, fmt.Errorf("%s: %w", q, err)
		}
	}
	return LoadStat{Table: s.table, Rows: s.sent, Took: time.Since(s.start)}, nil
}

// close aborts the COPY unless it finished, waits for it to end and closes the connection, which rolls back
// an unfinished transaction.
func (s *copyStream) close(ctx context.Context) {
	s.stop(context.Canceled)
	<-s.done
	s.conn.Close(context.WithoutCancel(ctx))
}

// rowReader is the COPY data of the rows received on rows, in PostgreSQL's binary format.
type rowReader struct {
	ctx     context.Context
	rows    chan [][]any
	m       *pgtype.Map
	oids    []uint32
	buf     []byte
	off     int
	started bool
	ended   bool
}

// copyHeader starts binary COPY data: the signature, no flags and no header extension.
const copyHeader = "PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000"

func (r *rowReader) Read(p []byte) (int, error) {
	for r.off == len(r.buf) {
		if r.ended {
			return 0, io.EOF
		}
		r.buf, r.off = r.buf[:0], 0
		if !r.started {
			r.buf, r.started = append(r.buf, copyHeader...), true
		}
		select {
		case batch, ok := <-r.rows:
			if !ok {
				r.buf, r.ended = binary.BigEndian.AppendUint16(r.buf, 0xffff), true // the trailer: a field count of −1
				break
			}
			for _, row := range batch {
				var err error
				if r.buf, err = r.encode(r.buf, row); err != nil {
					return 0, err
				}
			}
		case <-r.ctx.Done():
			return 0, context.Cause(r.ctx)
		}
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// encode appends row as one tuple of binary COPY data: its field count, then each field's length (−1 for
// NULL) and bytes.
func (r *rowReader) encode(buf []byte, row []any) ([]byte, error) {
	if len(row) != len(r.oids) {
		return nil, fmt.Errorf("a row of %d values for %d columns", len(row), len(r.oids))
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(row)))
	for i, v := range row {
		at := len(buf)
		buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
		if v == nil {
			continue
		}
		enc, ok := appendValue(buf, r.oids[i], v)
		if !ok {
			var err error
			if enc, err = r.m.Encode(r.oids[i], pgtype.BinaryFormatCode, v, buf); err != nil {
				return nil, fmt.Errorf("column %d: %w", i+1, err)
			}
		}
		if enc != nil {
			buf = enc
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		}
	}
	return buf, nil
}

// group runs functions concurrently; the first to fail cancels the context of the others.
type group struct {
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	err    error
}

func newGroup(ctx context.Context) *group {
	g := &group{}
	g.ctx, g.cancel = context.WithCancelCause(ctx)
	return g
}

// fail records err, when it is the first, and cancels the group.
func (g *group) fail(err error) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	g.mu.Unlock()
	g.cancel(err)
}

func (g *group) run(f func(ctx context.Context) error) {
	g.wg.Go(func() {
		if err := f(g.ctx); err != nil {
			g.fail(err)
		}
	})
}

// wait waits for every function and returns the first error.
func (g *group) wait() error {
	g.wg.Wait()
	g.cancel(nil)
	return g.err
}
