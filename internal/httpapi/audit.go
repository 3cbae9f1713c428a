package httpapi

import (
	"context"
	"encoding/json"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/audit"
	"github.com/tuoguan/tuoguan/internal/page"
)

func auditOut(e audit.Event) api.AuditEvent {
	return api.AuditEvent{Id: e.ID, At: e.At.UTC(), ActorId: e.ActorID, ActorUsername: &e.ActorUsername, ActorRole: &e.ActorRole,
		RequestId: &e.RequestID, Action: e.Action, ObjectType: e.ObjectType, ObjectId: e.ObjectID, RegionCode: e.RegionCode,
		Before: snapshotOut(e.Before), After: snapshotOut(e.After)}
}

func snapshotOut(raw json.RawMessage) *map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return &m
}

func (s *Server) ListAuditEvents(ctx context.Context, req api.ListAuditEventsRequestObject) (api.ListAuditEventsResponseObject, error) {
	pr, err := page.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := audit.Filter{ObjectType: deref(req.Params.ObjectType), ObjectID: deref(req.Params.ObjectId),
		ActorID: deref(req.Params.ActorId), Action: deref(req.Params.Action)}
	events, next, err := s.Audit.List(ctx, principal(ctx), f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListAuditEvents200JSONResponse{Items: mapAll(events, auditOut), NextCursor: next}, nil
}
