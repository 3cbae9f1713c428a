package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
)

// target is the 95th-percentile latency a list should stay under.
const target = 20 * time.Millisecond

func runLists(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("lists", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	sizes := Sizes{TownshipsPerCounty: 7, VillagesPerTownship: 10}
	fs.IntVar(&sizes.Farms, "farms", 100_000, "farms to generate")
	fs.IntVar(&sizes.Parcels, "parcels", 300_000, "parcels to generate")
	fs.IntVar(&sizes.Providers, "providers", 40, "service providers to generate")
	fs.IntVar(&sizes.Counties, "counties", 10, "counties (1 to 60), each with 7 townships of about 10 villages")
	fs.IntVar(&o.requests, "requests", 300, "measured requests per case")
	fs.IntVar(&o.warmup, "warmup", 20, "unmeasured requests before each case")
	fs.IntVar(&o.concurrency, "concurrency", 4, "requests in flight at once")
	commonFlags(fs, &o, "tuoguan_bench_lists")
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	switch {
	case sizes.Farms < 1 || sizes.Parcels < 1 || sizes.Providers < 1:
		return errors.New("-farms, -parcels and -providers must be at least 1")
	case sizes.Counties < 1 || sizes.Counties > 60:
		return errors.New("-counties must be from 1 to 60")
	case o.requests < 1 || o.concurrency < 1 || o.warmup < 0:
		return errors.New("-requests and -concurrency must be at least 1, -warmup at least 0")
	}
	return lists(ctx, o, sizes, stdout)
}

func lists(ctx context.Context, o options, sizes Sizes, out io.Writer) (err error) {
	w := NewWorld(o.seed, yanAn(sizes.Counties), sizes)
	fmt.Fprintf(out, "loading %s: %d regions, %d collectives, %d farms, %d parcels, %d providers (seed %d)\n",
		o.dbName, len(w.Regions), len(w.Collectives), sizes.Farms, sizes.Parcels, sizes.Providers, o.seed)
	e, err := setUp(ctx, o, w, account.Config{}, out)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := e.Close(ctx, out); cerr != nil && err == nil {
			err = cerr
		}
	}()

	c := newClient("http://"+e.addr, o.concurrency)
	tokens, err := accounts(ctx, c, e.svc, w)
	if err != nil {
		return err
	}
	e.header(ctx, out)
	fmt.Fprintf(out, "data:     %d counties, %d townships, %d villages/collectives, %d farms, %d parcels, %d providers\n",
		len(w.Counties), len(w.Townships), len(w.Collectives), sizes.Farms, sizes.Parcels, sizes.Providers)
	results, err := measureLists(ctx, c, e, tokens, o, out)
	if err != nil {
		return err
	}
	if failed := countFailed(results); failed > 0 {
		return fmt.Errorf("%d cases had failed requests", failed)
	}
	return ctx.Err()
}

// measureLists reads a few farms back through the API, then measures every case of benchCases in turn with
// o's requests, warm-up, concurrency and time per case (o.maxTime, 0 for none), printing a line for each
// and how many meet the target.
func measureLists(ctx context.Context, c *client, e *env, tokens Tokens, o options, out io.Writer) ([]Result, error) {
	if err := verify(ctx, c, e.db, e.keys, e.w, tokens.Admin); err != nil {
		return nil, fmt.Errorf("the loaded data does not read back as the services write it: %w", err)
	}
	cases, err := benchCases(ctx, c, e.w, tokens)
	if err != nil {
		return nil, err
	}
	bound := ""
	if o.maxTime > 0 {
		bound = fmt.Sprintf(" (or %s)", o.maxTime)
	}
	fmt.Fprintf(out, "load:     %d requests%s per case after %d warm-up, %d at a time, over HTTP on %s\n\n",
		o.requests, bound, o.warmup, o.concurrency, strings.TrimPrefix(c.base, "http://"))
	results := measureCases(ctx, c, cases, slices.Repeat([]time.Duration{target}, len(cases)), o, out)
	failed, missed := 0, 0
	for _, r := range results {
		if r.Failed() {
			failed++
			fmt.Fprintf(out, "  %s: %s\n", r.Case, r.FirstError)
		} else if r.P95 > target {
			missed++
		}
	}
	fmt.Fprintf(out, "\ntarget: list p95 ≤ 20 ms — %d of %d cases pass, %d miss, %d failed\n",
		len(results)-failed-missed, len(results), missed, failed)
	return results, ctx.Err()
}

// countFailed is how many results had failed requests.
func countFailed(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Failed() {
			n++
		}
	}
	return n
}

// benchCases are the requests measured, over the largest tables and filters that pick few, many or no rows.
func benchCases(ctx context.Context, c *client, w *World, t Tokens) ([]Case, error) {
	nf, np := w.Sizes.Farms, w.Sizes.Parcels
	pick := func(salt uint64, i, n int) int { return int(mix(w.Seed, salt, i) % uint64(n)) }
	township := func(i int) string { return w.Townships[pick(101, i, len(w.Townships))].Code }
	q := url.QueryEscape

	// Selective names: operators' full names of three characters, taken from random farms.
	var names []string
	for i := 0; len(names) < 50 && i < 10_000; i++ {
		if n := w.Farm(pick(102, i, nf)).Operator; len([]rune(n)) == 3 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		names = []string{w.Farm(0).Operator}
	}
	// Two-character names are as common in searches, and too short for a trigram.
	var short []string
	for i := 0; len(short) < 50 && i < 10_000; i++ {
		if n := w.Farm(pick(107, i, nf)).Operator; len([]rune(n)) == 2 {
			short = append(short, n)
		}
	}
	if len(short) == 0 {
		short = names
	}

	cases := []Case{
		{"farms (admin, first page)", t.Admin, constPath("/api/v1/farms?limit=50")},
		{"farms (bureau, its county)", t.Bureau, constPath("/api/v1/farms?limit=50")},
		{"farms region_code=<township>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&region_code=" + township(i) }},
		{"farms kind=family_farm", t.Admin, constPath("/api/v1/farms?limit=50&kind=family_farm")},
		{"farms kind=family_farm (bureau)", t.Bureau, constPath("/api/v1/farms?limit=50&kind=family_farm")},
		{"farms name=<common substring>", t.Admin, constPath("/api/v1/farms?limit=50&name=" + q("家庭农场"))},
		{"farms name=<full name>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(names[i%len(names)]) }},
		{"farms name=<2-character name>", t.Admin, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(short[i%len(short)]) }},
		{"farms name=<full name> (bureau)", t.Bureau, func(i int) string { return "/api/v1/farms?limit=50&name=" + q(names[i%len(names)]) }},
		{"farms id_number=<exact>", t.Admin, func(i int) string { return "/api/v1/farms?id_number=" + w.IDNumber(pick(103, i, nf)) }},
		{"farms sort=-name", t.Admin, constPath("/api/v1/farms?limit=50&sort=-name")},
		{"farms sort=-name (bureau)", t.Bureau, constPath("/api/v1/farms?limit=50&sort=-name")},
	}
	for _, d := range []struct {
		name, token, path string
	}{
		{"farms (admin)", t.Admin, "/api/v1/farms?limit=50"},
		{"farms sort=name (bureau)", t.Bureau, "/api/v1/farms?limit=50&sort=name"},
	} {
		cursor, reached, err := c.deepCursor(ctx, d.token, d.path, 20)
		if err != nil {
			return nil, err
		}
		p := d.path
		if cursor != "" {
			p += "&cursor=" + q(cursor)
		}
		cases = append(cases, Case{fmt.Sprintf("%s, page %d", d.name, reached), d.token, constPath(p)})
	}
	cases = append(cases,
		Case{"farms (collective account)", t.Collective, constPath("/api/v1/farms?limit=50")},
		Case{"parcels farm_id=<farm>", t.Admin, func(i int) string { return "/api/v1/parcels?farm_id=" + strconv.Itoa(1+pick(104, i, nf)) }},
		Case{"parcels region_code=<township>", t.Admin, func(i int) string { return "/api/v1/parcels?limit=50&region_code=" + township(i) }},
		Case{"parcels (bureau, its county)", t.Bureau, constPath("/api/v1/parcels?limit=50")},
		Case{"parcels sort=area_mu", t.Admin, constPath("/api/v1/parcels?limit=50&sort=area_mu")},
		Case{"parcels area_mismatch=true", t.Admin, constPath("/api/v1/parcels?limit=50&area_mismatch=true")},
		Case{"parcels area_mismatch=true (bureau)", t.Bureau, constPath("/api/v1/parcels?limit=50&area_mismatch=true")},
		Case{"providers (admin)", t.Admin, constPath("/api/v1/providers?limit=50")},
		Case{"farms/{id}", t.Admin, func(i int) string { return "/api/v1/farms/" + strconv.Itoa(1+pick(105, i, nf)) }},
		Case{"parcels/{id}", t.Admin, func(i int) string { return "/api/v1/parcels/" + strconv.Itoa(1+pick(106, i, np)) }},
	)
	if w.Sizes.Contracts > 0 {
		cases = append(cases, custodyCases(w, t, pick, township)...)
	}
	return cases, nil
}

// constPath is a case's Path that gives p for every request.
func constPath(p string) func(int) string { return func(int) string { return p } }

// custodyCases are the lists of the largest tables, contracts and operations, with the filters a bureau
// and a provider use; the season is the current one, the township, provider and collective random ones.
func custodyCases(w *World, t Tokens, pick func(salt uint64, i, n int) int, township func(i int) string) []Case {
	season := "&season_year=" + strconv.Itoa(w.Seasons[1])
	last := strconv.Itoa(w.Seasons[0])
	provider := func(i int) string {
		county := w.countyProviders[pick(110, i, len(w.Counties))]
		return strconv.FormatInt(w.providers[county[pick(111, i, len(county))]].ID, 10)
	}
	collective := func(i int) string { return strconv.FormatInt(w.Collectives[pick(112, i, len(w.Collectives))].ID, 10) }
	contract := func(i int) string { return strconv.Itoa(1 + pick(113, i, w.Sizes.Contracts)) }
	farm := func(i int) string { return strconv.Itoa(1 + pick(114, i, w.Sizes.Farms)) }
	return []Case{
		{"contracts (admin, first page)", t.Admin, constPath("/api/v1/contracts?limit=50")},
		{"contracts (bureau, its county)", t.Bureau, constPath("/api/v1/contracts?limit=50")},
		{"contracts region_code=<township>, season", t.Admin, func(i int) string {
			return "/api/v1/contracts?limit=50&region_code=" + township(i) + season
		}},
		{"contracts status=active, season (bureau)", t.Bureau, constPath("/api/v1/contracts?limit=50&status=active" + season)},
		{"contracts provider_id=<provider>, season", t.Admin, func(i int) string {
			return "/api/v1/contracts?limit=50&provider_id=" + provider(i) + season
		}},
		{"contracts farm_id=<farm>", t.Admin, func(i int) string { return "/api/v1/contracts?farm_id=" + farm(i) }},
		{"contracts/{id}", t.Admin, func(i int) string { return "/api/v1/contracts/" + contract(i) }},
		{"contracts/{id}/operations", t.Admin, func(i int) string { return "/api/v1/contracts/" + contract(i) + "/operations" }},
		{"operations (admin, first page)", t.Admin, constPath("/api/v1/operations?limit=50")},
		{"operations (bureau, its county), season", t.Bureau, constPath("/api/v1/operations?limit=50" + season)},
		{"operations region_code=<township>, season", t.Admin, func(i int) string {
			return "/api/v1/operations?limit=50&region_code=" + township(i) + season
		}},
		{"operations provider_id=<provider>, season", t.Admin, func(i int) string {
			return "/api/v1/operations?limit=50&provider_id=" + provider(i) + season
		}},
		{"operations collective_id=<collective>, season", t.Admin, func(i int) string {
			return "/api/v1/operations?limit=50&collective_id=" + collective(i) + season
		}},
		{"operations status=disputed (bureau)", t.Bureau, constPath("/api/v1/operations?limit=50&status=disputed")},
		{"operations harvesting, a week (bureau)", t.Bureau, constPath("/api/v1/operations?limit=50&op_type=harvesting&from=" +
			last + "-10-01&to=" + last + "-10-07")},
	}
}

// verify reads a few generated farms back through the API and the keyring: found by their ID and phone
// numbers, masked as the farm package masks, their sealed numbers opening under the farm package's bindings.
func verify(ctx context.Context, c *client, db *postgres.DB, keys *pii.Keyring, w *World, admin string) error {
	for _, k := range []int{0, w.Sizes.Farms / 2, w.Sizes.Farms - 1} {
		f := w.Farm(k)
		for _, query := range []string{"id_number=" + f.IDNumber, "phone=" + f.Phone} {
			var pg struct {
				Items []struct {
					ID       int64  `json:"id"`
					IDNumber string `json:"id_number"`
					Phone    string `json:"phone"`
				} `json:"items"`
			}
			path := "/api/v1/farms?limit=500&" + query
			if status, err := c.get(ctx, admin, path, &pg); err != nil || status != http.StatusOK {
				return fmt.Errorf("GET %s: status %d, %v", path, status, err)
			}
			found := false
			for _, it := range pg.Items {
				if it.ID == f.ID {
					found = true
					if it.IDNumber != pii.MaskIDNumber(f.IDNumber) || it.Phone != pii.MaskPhone(f.Phone) {
						return fmt.Errorf("farm %d is shown as %s, %s", f.ID, it.IDNumber, it.Phone)
					}
				}
			}
			if !found {
				return fmt.Errorf("farm %d is not found by its %s", f.ID, strings.SplitN(query, "=", 2)[0])
			}
		}
		var idEnc, phoneEnc []byte
		err := db.SQL.QueryRowContext(ctx, "SELECT id_number_enc, phone_enc FROM farms WHERE id = $1", f.ID).Scan(&idEnc, &phoneEnc)
		if err != nil {
			return err
		}
		county := f.Collective.CountyCode
		if got, err := keys.Open(idEnc, fmt.Sprintf("farms/%s/%d/id_number", county, f.ID)); err != nil || got != f.IDNumber {
			return fmt.Errorf("farm %d: its sealed ID number does not open under its binding", f.ID)
		}
		if got, err := keys.Open(phoneEnc, fmt.Sprintf("farms/%s/%d/phone", county, f.ID)); err != nil || got != f.Phone {
			return fmt.Errorf("farm %d: its sealed phone number does not open under its binding", f.ID)
		}
	}
	return nil
}
