package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/operation"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/parallel"
	"github.com/tuoguan/tuoguan/internal/strictjson"
)

func operationOut(o operation.Operation) api.Operation {
	out := api.Operation{Id: o.ID, ContractId: o.ContractID, ParcelId: o.ParcelID, OpType: o.OpType,
		OpDate: openapi_types.Date{Time: o.OpDate}, AreaMu: o.AreaMu, YieldKg: o.YieldKg, MoisturePct: o.MoisturePct,
		Machine: o.Machine, Operator: o.Operator, Note: o.Note, Status: api.OperationStatus(o.Status),
		DisputeReason: o.DisputeReason, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		Inputs: mapAll(o.Inputs, func(m operation.Material) api.Material {
			return api.Material{Material: m.Material, Quantity: m.Quantity, Unit: m.Unit}
		})}
	if len(o.Location) > 0 {
		var g map[string]any
		if json.Unmarshal(o.Location, &g) == nil {
			out.Location = &g
		}
	}
	return out
}

// operationIn maps the fields every way of logging an operation shares.
func operationIn(f api.OperationFields) operation.Input {
	in := operation.Input{ParcelID: f.ParcelId, OpType: f.OpType, OpDate: f.OpDate.Time, AreaMu: f.AreaMu, YieldKg: f.YieldKg,
		MoisturePct: f.MoisturePct, Machine: f.Machine, Operator: f.Operator, Note: f.Note, Location: f.Location}
	if f.Inputs != nil {
		in.Inputs = mapAll(*f.Inputs, func(m api.MaterialInput) operation.Material {
			return operation.Material{Material: m.Material, Quantity: m.Quantity, Unit: m.Unit}
		})
	}
	return in
}

func (s *Server) ListContractOperations(ctx context.Context, req api.ListContractOperationsRequestObject) (api.ListContractOperationsResponseObject, error) {
	q := req.Params
	pr, err := page.Parse(q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	f := operation.Filter{Status: string(deref(q.Status)), OpType: string(deref(q.OpType)), ParcelID: deref(q.ParcelId)}
	ops, next, err := s.Operations.List(ctx, principal(ctx), req.Id, f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListContractOperations200JSONResponse{Items: mapAll(ops, operationOut), NextCursor: next}, nil
}

func (s *Server) CreateOperation(ctx context.Context, req api.CreateOperationRequestObject) (api.CreateOperationResponseObject, error) {
	op, _, err := s.Operations.Create(ctx, principal(ctx), req.Id, string(req.Params.IdempotencyKey), operationIn(*req.Body))
	if err != nil {
		return nil, err
	}
	return api.CreateOperation201JSONResponse{OperationCreatedJSONResponse: api.OperationCreatedJSONResponse{Body: operationOut(op),
		Headers: api.OperationCreatedResponseHeaders{Location: location("operations", op.ID)}}}, nil
}

func (s *Server) SyncOperations(ctx context.Context, req api.SyncOperationsRequestObject) (api.SyncOperationsResponseObject, error) {
	items := parallel.Map(req.Body.Operations, spread, batchItem)
	results, err := s.Operations.Log(ctx, principal(ctx), items)
	if err != nil {
		return nil, err
	}
	out := make(syncResults, len(results))
	parallel.For(len(results), spread, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = s.batchResult(ctx, i, results[i])
		}
	})
	return out, nil
}

// batchResult is the answer for the item at index i of a batch.
func (s *Server) batchResult(ctx context.Context, i int, r operation.Result) api.OperationBatchResult {
	res := api.OperationBatchResult{Index: i, Status: api.OperationBatchResultStatus(r.Status)}
	if r.Operation != nil {
		op := operationOut(*r.Operation)
		res.Operation = &op
	}
	if r.Err != nil {
		p := s.problem(ctx, r.Err)
		res.Error = &p
	}
	return res
}

// spread is the size from which a batch's items are decoded, and its results mapped and encoded, on every
// processor: a batch of a thousand operations takes milliseconds of each.
const spread = 64

// syncResults is a batch's answer, api.SyncOperations200JSONResponse in the same bytes, its results encoded as
// parallel.For spreads them.
type syncResults []api.OperationBatchResult

func (r syncResults) VisitSyncOperationsResponse(w http.ResponseWriter) error {
	parts := make([][]byte, len(r))
	errs := make([]error, len(r))
	parallel.For(len(r), spread, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			parts[i], errs[i] = json.Marshal(r[i])
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	body := bytes.NewBufferString(`{"results":[`)
	for i, part := range parts {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(part)
	}
	body.WriteString("]}\n")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := body.WriteTo(w)
	return err
}

func (s *Server) GetOperation(ctx context.Context, req api.GetOperationRequestObject) (api.GetOperationResponseObject, error) {
	op, err := s.Operations.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetOperation200JSONResponse(operationOut(op)), nil
}

func (s *Server) ConfirmOperation(ctx context.Context, req api.ConfirmOperationRequestObject) (api.ConfirmOperationResponseObject, error) {
	op, err := s.Operations.Confirm(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.ConfirmOperation200JSONResponse(operationOut(op)), nil
}

func (s *Server) DisputeOperation(ctx context.Context, req api.DisputeOperationRequestObject) (api.DisputeOperationResponseObject, error) {
	op, err := s.Operations.Dispute(ctx, principal(ctx), req.Id, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	return api.DisputeOperation200JSONResponse(operationOut(op)), nil
}

func (s *Server) VoidOperation(ctx context.Context, req api.VoidOperationRequestObject) (api.VoidOperationResponseObject, error) {
	op, err := s.Operations.Void(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.VoidOperation200JSONResponse(operationOut(op)), nil
}

// batchItem decodes one item of a batch on its own, so that a malformed item is refused alone: its body
// problems, or a blank idempotency key, become the item's refusal.
func batchItem(raw json.RawMessage) operation.Item {
	var o api.OperationBatchItem
	err := strictjson.Decode(raw, &o)
	var se *strictjson.Error
	switch {
	case errors.As(err, &se):
		return operation.Item{Refused: bodyFault(se)}
	case err != nil:
		return operation.Item{Refused: fault.Malformedf("", "The item is not a JSON object.")}
	case strings.TrimSpace(o.IdempotencyKey) == "":
		return operation.Item{Refused: fault.Invalidf("idempotency_key", "is required and must not be blank")}
	}
	return operation.Item{ContractID: o.ContractId, Key: o.IdempotencyKey, Input: operationIn(api.OperationFields{
		ParcelId: o.ParcelId, OpType: o.OpType, OpDate: o.OpDate, AreaMu: o.AreaMu, YieldKg: o.YieldKg, MoisturePct: o.MoisturePct,
		Machine: o.Machine, Operator: o.Operator, Inputs: o.Inputs, Location: o.Location, Note: o.Note})}
}
