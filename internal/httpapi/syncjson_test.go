package httpapi

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/num"
)

// A batch's answer, encoded in parallel, is byte for byte what the generated response writes of the same
// results, in every size around the one from which it spreads: created and refused items, names that need
// escaping.
func TestSyncResultsAreTheGeneratedResponse(t *testing.T) {
	for _, n := range []int{0, 1, spread - 1, spread, spread + 1, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			results := make([]api.OperationBatchResult, n)
			for i := range results {
				results[i] = api.OperationBatchResult{Index: i, Status: "created", Operation: &api.Operation{Id: int64(1000 + i), ContractId: 7,
					ParcelId: int64(i), OpType: "ploughing", OpDate: openapi_types.Date{Time: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)},
					AreaMu: num.MustDec2(fmt.Sprintf("%d.25", i)), Operator: new(fmt.Sprintf(`王 "%d" <&>`, i)), Status: "recorded",
					Inputs: []api.Material{}, CreatedAt: time.Unix(1_800_000_000+int64(i), 5).UTC()}}
				if i%7 == 3 {
					results[i] = api.OperationBatchResult{Index: i, Status: "refused", Error: &api.Problem{Status: 409, Detail: new(fmt.Sprintf("item %d", i))}}
				}
			}
			want := httptest.NewRecorder()
			generated := api.SyncOperations200JSONResponse{Results: results}
			if err := generated.VisitSyncOperationsResponse(want); err != nil {
				t.Fatal(err)
			}
			got := httptest.NewRecorder()
			if err := syncResults(results).VisitSyncOperationsResponse(got); err != nil {
				t.Fatal(err)
			}
			if got.Code != want.Code || got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
				t.Errorf("status %d, %q; want %d, %q", got.Code, got.Header().Get("Content-Type"), want.Code, want.Header().Get("Content-Type"))
			}
			if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
				t.Errorf("body differs:\n got %.300s\nwant %.300s", got.Body.Bytes(), want.Body.Bytes())
			}
		})
	}
}
