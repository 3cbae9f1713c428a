package httpapi

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// compressMin is the smallest body worth compressing: below about one TCP segment gzip saves no round trip
// and costs its header, so problems and small objects go out as they are.
const compressMin = 1400

// compressible are the media types compressed: JSON (problems included: a refused batch of 1,000 items is
// large; a single problem stays below compressMin) and CSV. Excel workbooks are zip files already.
func compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == echo.MIMEApplicationJSON || mt == "application/problem+json" || mt == "text/csv")
}

// gzipWriters are reused: a gzip.Writer holds about 800 KB of state.
var gzipWriters = sync.Pool{New: func() any {
	// BestSpeed: an export of a million rows is bound by the CPU that compresses it, and CSV and JSON
	// shrink about eightfold at this level already.
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// compress gzips JSON and CSV responses of compressMin bytes or more for clients that accept gzip, and
// names Accept-Encoding in Vary on every JSON or CSV response. It decides on the first compressMin bytes
// (or a flush), so a streamed export is compressed as it streams. A response that is cut (see cutShort) is
// not finished: its gzip stream stays open like its framing.
func compress(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		w := &gzipResponse{ResponseWriter: res.Writer, accepts: acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)),
			head: c.Request().Method == http.MethodHead}
		res.Writer = w
		err := next(c)
		if !isCut(c) {
			w.finish()
		}
		res.Writer = w.ResponseWriter
		return err
	}
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip (RFC 9110 §12.5.3).
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		name, q, ok := strings.Cut(strings.TrimSpace(params), "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), "q") {
			v, err := strconv.ParseFloat(strings.TrimSpace(q), 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}

// gzipResponse holds back the status and the first bytes of a compressible response until it knows whether
// the body reaches compressMin.
type gzipResponse struct {
	http.ResponseWriter
	accepts, head bool

	status  int  // the status held back; 0 before WriteHeader
	pending bool // status and buf are held back, undecided
	buf     []byte
	gz      *gzip.Writer
}

func (w *gzipResponse) WriteHeader(status int) {
	if w.status != 0 {
		return
	}
	w.status = status
	h := w.Header()
	if !compressible(h.Get(echo.HeaderContentType)) || h.Get(echo.HeaderContentEncoding) != "" {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	if n, err := strconv.Atoi(h.Get(echo.HeaderContentLength)); !w.accepts || w.head || status < 200 ||
		status == http.StatusNoContent || status == http.StatusNotModified || (err == nil && n < compressMin) {
		w.ResponseWriter.WriteHeader(status)
		return
	}
	w.pending = true
}

func (w *gzipResponse) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	switch {
	case w.gz != nil:
		return w.gz.Write(p)
	case !w.pending:
		return w.ResponseWriter.Write(p)
	}
	w.buf = append(w.buf, p...)
	if len(w.buf) >= compressMin {
		if err := w.startGzip(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// startGzip sends the held-back status with Content-Encoding: gzip and compresses what was held back.
func (w *gzipResponse) startGzip() error {
	w.pending = false
	h := w.Header()
	h.Del(echo.HeaderContentLength)
	h.Set(echo.HeaderContentEncoding, "gzip")
	w.ResponseWriter.WriteHeader(w.status)
	w.gz = gzipWriters.Get().(*gzip.Writer)
	w.gz.Reset(w.ResponseWriter)
	_, err := w.gz.Write(w.buf)
	w.buf = nil
	return err
}

// Flush sends what has been written: a flushed response is a stream, so an undecided one is compressed.
func (w *gzipResponse) Flush() {
	_ = w.FlushError()
}

func (w *gzipResponse) FlushError() error {
	if w.pending {
		if err := w.startGzip(); err != nil {
			return err
		}
	}
	if w.gz != nil {
		if err := w.gz.Flush(); err != nil {
			return err
		}
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// finish ends a whole response: a held-back short body goes out as it is, a gzip stream is closed.
func (w *gzipResponse) finish() {
	switch {
	case w.pending:
		w.pending = false
		w.ResponseWriter.WriteHeader(w.status)
		_, _ = w.ResponseWriter.Write(w.buf)
	case w.gz != nil:
		_ = w.gz.Close()
		w.gz.Reset(nil)
		gzipWriters.Put(w.gz)
		w.gz = nil
	}
}

// Unwrap lets http.ResponseController reach the connection (write deadlines of exports).
func (w *gzipResponse) Unwrap() http.ResponseWriter { return w.ResponseWriter }
