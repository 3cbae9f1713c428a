package httpapi

import (
	"context"
	"fmt"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/page"
	"github.com/tuoguan/tuoguan/internal/scope"
)

func userOut(u account.User) api.User {
	return api.User{Id: u.ID, Username: u.Username, Role: api.Role(u.Role), RegionCode: u.RegionCode,
		CollectiveId: u.CollectiveID, ProviderId: u.ProviderID, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func (s *Server) ListUsers(ctx context.Context, req api.ListUsersRequestObject) (api.ListUsersResponseObject, error) {
	pr, err := page.Parse(req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	f := account.Filter{Role: scope.Role(deref(req.Params.Role)), RegionCode: deref(req.Params.RegionCode)}
	users, next, err := s.Accounts.List(ctx, principal(ctx), f, pr)
	if err != nil {
		return nil, err
	}
	return api.ListUsers200JSONResponse{Items: mapAll(users, userOut), NextCursor: next}, nil
}

func (s *Server) CreateUser(ctx context.Context, req api.CreateUserRequestObject) (api.CreateUserResponseObject, error) {
	b := req.Body
	u, err := s.Accounts.Create(ctx, principal(ctx), account.NewUser{Username: b.Username, Password: b.Password,
		Role: scope.Role(b.Role), RegionCode: deref(b.RegionCode), CollectiveID: deref(b.CollectiveId), ProviderID: deref(b.ProviderId)})
	if err != nil {
		return nil, err
	}
	return api.CreateUser201JSONResponse{UserCreatedJSONResponse: api.UserCreatedJSONResponse{Body: userOut(u), Headers: api.UserCreatedResponseHeaders{Location: location("users", u.ID)}}}, nil
}

func (s *Server) GetUser(ctx context.Context, req api.GetUserRequestObject) (api.GetUserResponseObject, error) {
	u, err := s.Accounts.Get(ctx, principal(ctx), req.Id)
	if err != nil {
		return nil, err
	}
	return api.GetUser200JSONResponse(userOut(u)), nil
}

func (s *Server) UpdateUser(ctx context.Context, req api.UpdateUserRequestObject) (api.UpdateUserResponseObject, error) {
	u, err := s.Accounts.Update(ctx, principal(ctx), req.Id, account.Change{Password: req.Body.Password, Disabled: req.Body.Disabled})
	if err != nil {
		return nil, err
	}
	return api.UpdateUser200JSONResponse(userOut(u)), nil
}

// location is the Location header of a created object.
func location(collection string, id any) *string {
	return ptr(fmt.Sprintf("/api/v1/%s/%v", collection, id))
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func mapAll[T, U any](in []T, f func(T) U) []U {
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
