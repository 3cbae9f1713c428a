package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Case is one request shape to measure: Path gives the path and query of request i, so that a case can
// vary its parameters from request to request.
type Case struct {
	Name  string
	Token string
	Path  func(i int) string
}

// Result is what a case measured.
type Result struct {
	Case          string
	Requests      int
	Errors        int
	FirstError    string
	P50, P95, P99 time.Duration
	PerSecond     float64
}

// Failed reports whether any request of the case failed.
func (r Result) Failed() bool { return r.Errors > 0 }

// client speaks to the API under test.
type client struct {
	http *http.Client
	base string
}

func newClient(base string, concurrency int) *client {
	tr := &http.Transport{MaxIdleConns: 2 * concurrency, MaxIdleConnsPerHost: 2 * concurrency, IdleConnTimeout: time.Minute}
	return &client{http: &http.Client{Transport: tr, Timeout: time.Minute}, base: base}
}

// get sends GET path with token and returns the status; body, when not nil, receives the decoded JSON of a 200.
func (c *client) get(ctx context.Context, token, path string, body any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body == nil {
		// Asked for by name, gzip is not decoded by the transport: a body that is only discarded is read as
		// it came, and the load generator spends none of the cores it shares with the server on inflating it.
		req.Header.Set("Accept-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if body != nil && resp.StatusCode == http.StatusOK {
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(body)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// MeasureFor sends warmup unmeasured requests, then n measured ones, concurrency at a time, and reports the
// latency percentiles and throughput of the measured ones; it stops starting requests once maxTime has
// passed, unless it is 0. A request fails on a transport error or any status other than 200.
func (c *client) MeasureFor(ctx context.Context, cs Case, warmup, n, concurrency int, maxTime time.Duration) Result {
	return runLoad(ctx, cs.Name, warmup, n, concurrency, maxTime, func(ctx context.Context, i int) error {
		path := cs.Path(i)
		status, err := c.get(ctx, cs.Token, path, nil)
		if err == nil && status != http.StatusOK {
			err = fmt.Errorf("GET %s: status %d", path, status)
		}
		return err
	})
}

// runLoad calls do from concurrency workers: warmup unmeasured calls (indexes 0 to warmup−1), then measured
// ones until n have been made or, when maxTime is not 0, maxTime has passed, and reports the latency
// percentiles and throughput of the measured ones. A call fails when do returns an error.
func runLoad(ctx context.Context, name string, warmup, n, concurrency int, maxTime time.Duration, do func(ctx context.Context, i int) error) Result {
	res := Result{Case: name}
	var (
		mu       sync.Mutex
		errs     atomic.Int64
		firstErr string
	)
	fail := func(msg string) {
		errs.Add(1)
		mu.Lock()
		if firstErr == "" {
			firstErr = msg
		}
		mu.Unlock()
	}
	round := func(count, offset int, lat []time.Duration, until time.Time) (int, time.Duration) {
		var next, done atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range min(concurrency, count) {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= count || ctx.Err() != nil || (!until.IsZero() && time.Now().After(until)) {
						return
					}
					t0 := time.Now()
					err := do(ctx, offset+i)
					took := time.Since(t0)
					done.Add(1)
					if lat != nil {
						lat[i] = took
						if err != nil {
							fail(err.Error())
						}
					}
				}
			})
		}
		wg.Wait()
		return int(done.Load()), time.Since(start)
	}
	round(warmup, 0, nil, time.Time{})
	lat := make([]time.Duration, n)
	for i := range lat {
		lat[i] = -1
	}
	var until time.Time
	if maxTime > 0 {
		until = time.Now().Add(maxTime)
	}
	made, wall := round(n, warmup, lat, until)
	if err := ctx.Err(); err != nil {
		fail(err.Error())
	}
	lat = slices.DeleteFunc(lat, func(d time.Duration) bool { return d < 0 })
	slices.Sort(lat)
	res.Requests = made
	res.P50, res.P95, res.P99 = percentile(lat, 50), percentile(lat, 95), percentile(lat, 99)
	res.PerSecond = float64(made) / max(wall.Seconds(), 1e-9)
	res.Errors, res.FirstError = int(errs.Load()), firstErr
	return res
}

// percentile is the nearest-rank p-th percentile of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (p*len(sorted)+99)/100 - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// page is the envelope of every list.
type page struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

// deepCursor follows next_cursor from the first page of path for up to pages pages and returns the cursor of
// the last page reached and its number (1 when there is no second page).
func (c *client) deepCursor(ctx context.Context, token, path string, pages int) (cursor string, reached int, err error) {
	reached = 1
	for reached <= pages {
		p := path
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var pg page
		status, err := c.get(ctx, token, p, &pg)
		if err != nil {
			return "", 0, err
		}
		if status != http.StatusOK {
			return "", 0, fmt.Errorf("GET %s: status %d", p, status)
		}
		if pg.NextCursor == nil {
			break
		}
		cursor = *pg.NextCursor
		reached++
	}
	return cursor, reached, nil
}

// ratios are the ratios of one comparison of the API with the database, one per round of alternated runs
// (API, database, API, database, …), so that a change of the machine's load during the run moves the spread
// rather than the figure.
type ratios []float64

// median is the middle ratio, the mean of the two middle ones for an even count; 0 for none.
func (r ratios) median() float64 {
	if len(r) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(r))
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

func (r ratios) min() float64 {
	if len(r) == 0 {
		return 0
	}
	return slices.Min(r)
}

func (r ratios) max() float64 {
	if len(r) == 0 {
		return 0
	}
	return slices.Max(r)
}

// String is "min / median / max" of the ratios, with two places.
func (r ratios) String() string {
	return fmt.Sprintf("%.2f / %.2f / %.2f", r.min(), r.median(), r.max())
}

// spread is the ratios as the summary quotes them: the median in bold, then the range and the rounds.
func (r ratios) spread() string {
	return fmt.Sprintf("**%.2f×** median (min %.2f, max %.2f of %d alternated rounds)", r.median(), r.min(), r.max(), len(r))
}

// medianRound is the index of the round whose ratio is the median (the lower middle one for an even
// count), for quoting that round's figures beside it; -1 for none.
func (r ratios) medianRound() int {
	if len(r) == 0 {
		return -1
	}
	order := make([]int, len(r))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(r[a], r[b]) })
	return order[(len(r)-1)/2]
}
