// Package audit writes and reads the append-only audit log. Every change to an account, a region, a collective
// and later a contract or an operation is recorded by Record inside the transaction that makes the change, so
// the two commit together or not at all. Snapshots carry masked personal data only.
package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// Event is one recorded change.
type Event struct {
	ID            int64           `gorm:"column:id;->"`
	CountyCode    string          `gorm:"column:county_code"`
	At            time.Time       `gorm:"column:at;->"`
	ActorID       *int64          `gorm:"column:actor_id"`
	ActorUsername string          `gorm:"column:actor_username"`
	ActorRole     string          `gorm:"column:actor_role"`
	RequestID     string          `gorm:"column:request_id"`
	Action        string          `gorm:"column:action"`
	ObjectType    string          `gorm:"column:object_type"`
	ObjectID      string          `gorm:"column:object_id"`
	RegionCode    *string         `gorm:"column:region_code"`
	Before        json.RawMessage `gorm:"column:before;type:jsonb"`
	After         json.RawMessage `gorm:"column:after;type:jsonb"`
}

// TableName is the table the log lives in.
func (Event) TableName() string { return "audit_events" }

// Change describes what a use case changed. Before and After are the object's masked views (nil for a
// creation's Before), as values or already encoded (json.RawMessage, taken as it is); RegionCode is the region the object belongs to, which decides which bureaus read it.
type Change struct {
	Action     string
	ObjectType string
	ObjectID   any
	RegionCode string
	Before     any
	After      any
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id that Record writes.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// Record appends c to the log through tx, the transaction of the change itself. A principal with no user id
// (the command line, the server's own bootstrap) is recorded as the system.
func Record(ctx context.Context, tx *gorm.DB, p scope.Principal, c Change) error {
	return RecordAll(ctx, tx, p, []Change{c})
}

// RecordAll appends every change of cs with one statement, as Record does for one. A change whose before
// and after snapshots are equal changed nothing and is not recorded.
func RecordAll(ctx context.Context, tx *gorm.DB, p scope.Principal, cs []Change) error {
	events, err := eventsOf(ctx, p, cs)
	if err != nil || len(events) == 0 {
		return err
	}
	if err := tx.WithContext(ctx).Create(&events).Error; err != nil {
		return fmt.Errorf("record %s: %w", cs[0].Action, err)
	}
	return nil
}

// Append returns the statement, with ? placeholders, and the arguments that append the changes of cs as
// RecordAll does, for a use case that sends its statements to pgx itself; query is "" when there is nothing
// to record.
func Append(ctx context.Context, p scope.Principal, cs []Change) (query string, args []any, err error) {
	events, err := eventsOf(ctx, p, cs)
	if err != nil || len(events) == 0 {
		return "", nil, err
	}
	n := len(events)
	counties, actions, types, ids := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	regions, before, after := make([]*string, n), make([]*string, n), make([]*string, n)
	text := func(b json.RawMessage) *string {
		if b == nil {
			return nil
		}
		s := string(b)
		return &s
	}
	for i, e := range events {
		counties[i], actions[i], types[i], ids[i] = e.CountyCode, e.Action, e.ObjectType, e.ObjectID
		regions[i], before[i], after[i] = e.RegionCode, text(e.Before), text(e.After)
	}
	e := events[0]
	return `INSERT INTO audit_events (county_code, actor_id, actor_username, actor_role, request_id, action, object_type,
			object_id, region_code, before, after)
		SELECT e.county_code, ?::bigint, ?::text, ?::text, ?::text, e.action, e.object_type, e.object_id, e.region_code,
		       e.before::jsonb, e.after::jsonb
		FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
		  AS e (county_code, action, object_type, object_id, region_code, before, after)`,
		[]any{e.ActorID, e.ActorUsername, e.ActorRole, e.RequestID, counties, actions, types, ids, regions, before, after}, nil
}

// eventsOf returns the events that record cs: those whose before and after snapshots differ.
func eventsOf(ctx context.Context, p scope.Principal, cs []Change) ([]Event, error) {
	events := make([]Event, 0, len(cs))
	for _, c := range cs {
		e, err := event(ctx, p, c)
		if err != nil {
			return nil, err
		}
		if c.Before != nil && c.After != nil && bytes.Equal(e.Before, e.After) {
			continue // nothing changed: nothing to record
		}
		events = append(events, e)
	}
	return events, nil
}

func event(ctx context.Context, p scope.Principal, c Change) (Event, error) {
	e := Event{
		ActorUsername: p.Username,
		ActorRole:     string(p.Role),
		RequestID:     RequestID(ctx),
		Action:        c.Action,
		ObjectType:    c.ObjectType,
		ObjectID:      fmt.Sprint(c.ObjectID),
		CountyCode:    "000000",
	}
	if p.UserID != 0 {
		e.ActorID = &p.UserID
	}
	if c.RegionCode != "" {
		e.RegionCode = &c.RegionCode
		e.CountyCode = scope.CountyCode(c.RegionCode)
	}
	var err error
	if e.Before, err = snapshot(c.Before); err != nil {
		return e, err
	}
	e.After, err = snapshot(c.After)
	return e, err
}

func snapshot(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return v, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit snapshot: %w", err)
	}
	return b, nil
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	ObjectType string
	ObjectID   string
	ActorID    int64
	Action     string
}

// Service reads the log.
type Service struct{ db *gorm.DB }

// NewService returns a Service reading through db.
func NewService(db *gorm.DB) *Service { return &Service{db: db} }

// List returns the events p may read, newest first: admin all, a bureau those about objects inside its region.
// Other roles get Forbidden.
func (s *Service) List(ctx context.Context, p scope.Principal, f Filter, r page.Request) ([]Event, *string, error) {
	if p.Role != scope.Admin && p.Role != scope.Bureau {
		return nil, nil, fault.Forbiddenf("Only the bureau and admin read the audit log.")
	}
	after, err := r.AfterID()
	if err != nil {
		return nil, nil, err
	}
	q := s.db.WithContext(ctx).Model(&Event{})
	if prefix := p.RegionPrefix(); prefix != "" {
		q = q.Where("region_code LIKE ?", prefix+"%")
	}
	if after > 0 {
		q = q.Where("id < ?", after)
	}
	if f.ObjectType != "" {
		q = q.Where("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		q = q.Where("object_id = ?", f.ObjectID)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	var events []Event
	if err := q.Order("id DESC").Limit(r.Limit + 1).Find(&events).Error; err != nil {
		return nil, nil, err
	}
	events, next := page.Trim(events, r, func(e Event) string { return strconv.FormatInt(e.ID, 10) })
	return events, next, nil
}
