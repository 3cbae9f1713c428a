package stats

import (
	"encoding/json"
	"testing"
)

// Shown is a Figures as a client reads it: every JSON field by name, decimals as their strings, absent values
// as "null", and the service area of each operation type as "service_area_by_op_type.<op>".
func Shown(t *testing.T, f Figures) map[string]string {
	t.Helper()
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			out[k] = "null"
		case string:
			out[k] = v
		case map[string]any:
			for op, a := range v {
				out[k+"."+op] = a.(string)
			}
		default:
			t.Fatalf("%s is %T %v in %s, want a decimal string", k, v, v, raw)
		}
	}
	return out
}
