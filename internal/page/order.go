package page

import (
	"encoding/json"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/fault"
)

// Order is a whitelisted sort of a list, keyset-paginated on (column, id): the cursor holds the last row's
// sort value and id, so a page stays stable while rows are inserted elsewhere.
type Order struct {
	column string
	desc   bool
}

// ParseOrder reads a sort parameter ("name", "-name"; nil means "id") against columns, the API names allowed
// mapped to their columns. The id column must be "id" and is always the tie-breaker.
func ParseOrder(sort *string, columns map[string]string) (Order, error) {
	if sort == nil || *sort == "" || *sort == "id" {
		return Order{column: "id"}, nil
	}
	name, desc := strings.CutPrefix(*sort, "-")
	if name == "id" {
		return Order{column: "id", desc: desc}, nil
	}
	col, ok := columns[name]
	if !ok {
		return Order{}, fault.Malformedf("sort", "cannot sort by %q", *sort)
	}
	return Order{column: col, desc: desc}, nil
}

// Apply narrows q to the page after r's cursor in this order and sorts it, fetching Limit+1 rows so that
// Trim can tell whether another page follows. Column names are qualified with table.
func (o Order) Apply(q *gorm.DB, table string, r Request) (*gorm.DB, error) {
	cmp, dir := ">", "ASC"
	if o.desc {
		cmp, dir = "<", "DESC"
	}
	id := table + ".id"
	if r.After != "" {
		if o.column == "id" {
			after, err := strconv.ParseInt(r.After, 10, 64)
			if err != nil {
				return nil, fault.Malformedf("cursor", "is not a cursor this server issued")
			}
			q = q.Where(id+" "+cmp+" ?", after)
		} else {
			var key []json.RawMessage
			var after int64
			if json.Unmarshal([]byte(r.After), &key) != nil || len(key) != 2 || json.Unmarshal(key[1], &after) != nil {
				return nil, fault.Malformedf("cursor", "is not a cursor this server issued")
			}
			var v any
			if json.Unmarshal(key[0], &v) != nil {
				return nil, fault.Malformedf("cursor", "is not a cursor this server issued")
			}
			col := table + "." + o.column
			q = q.Where("("+col+", "+id+") "+cmp+" (?, ?)", v, after)
		}
	}
	if o.column != "id" {
		q = q.Order(table + "." + o.column + " " + dir)
	}
	return q.Order(id + " " + dir).Limit(r.Limit + 1), nil
}

// Key returns the cursor key of a row with this sort value and id.
func (o Order) Key(value any, id int64) string {
	if o.column == "id" {
		return strconv.FormatInt(id, 10)
	}
	b, _ := json.Marshal([]any{value, id})
	return string(b)
}

// Column is the column the order sorts on ("id" by default).
func (o Order) Column() string { return o.column }

// EscapeLike escapes the LIKE wildcards in s, so that a "contains" filter matches s literally.
func EscapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ByID is the default order: by id, ascending.
var ByID = Order{column: "id"}
