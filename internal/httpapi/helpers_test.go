package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/ident"
)

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// listAll pages through the list at path with query and returns every item, failing on an item served twice,
// an empty page that promises more, or paging that does not end.
func listAll[T any](t *testing.T, env *apitest.Env, token, path string, query url.Values, id func(T) int64) []T {
	t.Helper()
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	var out []T
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages > 200 {
			t.Fatal("paging does not end")
		}
		var l struct {
			Items      []T     `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		env.Expect(t, http.StatusOK, token, http.MethodGet, path+"?"+q.Encode(), nil).JSON(t, &l)
		for _, item := range l.Items {
			if seen[id(item)] {
				t.Errorf("%s %s: item %d served twice", path, query.Encode(), id(item))
			}
			seen[id(item)] = true
		}
		out = append(out, l.Items...)
		if l.NextCursor == nil {
			return out
		}
		if len(l.Items) == 0 {
			t.Fatalf("%s %s: an empty page with a cursor", path, query.Encode())
		}
		q.Set("cursor", *l.NextCursor)
	}
}

// creditCode returns a unified social credit code that passes the GB 32100 checksum, registered in county
// (six digits); series (two letters) keeps the codes of different tests apart, n numbers them.
func creditCode(county, series string, n int64) string {
	first := fmt.Sprintf("N2%s%s%07d", county, series, n)
	c, err := ident.CreditCodeCheckChar(first)
	if err != nil {
		panic(err)
	}
	return first + string(c)
}

// badCheck returns code with a wrong check character.
func badCheck(code string) string {
	last := code[len(code)-1]
	for _, c := range []byte("0123456789ABCDEFGHJKLMNPQRTUWXY") {
		if c != last {
			return code[:len(code)-1] + string(c)
		}
	}
	panic("unreachable")
}
