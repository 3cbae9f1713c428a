package httpapi

import (
	"context"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// principal returns the authenticated caller; the authenticate middleware guarantees one on every route but
// login.
func principal(ctx context.Context) scope.Principal {
	p, _ := scope.FromContext(ctx)
	return p
}

// Login exchanges a username and password for a bearer token.
func (s *Server) Login(ctx context.Context, req api.LoginRequestObject) (api.LoginResponseObject, error) {
	token, expires, err := s.Accounts.Login(ctx, req.Body.Username, req.Body.Password, clientAddr(ctx))
	if err != nil {
		return nil, err
	}
	return api.Login200JSONResponse{Token: token, ExpiresAt: expires}, nil
}

// Logout revokes the token of the request.
func (s *Server) Logout(ctx context.Context, _ api.LogoutRequestObject) (api.LogoutResponseObject, error) {
	token, ok := tokenOf(ctx)
	if !ok {
		return nil, fault.Unauthenticatedf("No token.")
	}
	if err := s.Accounts.Logout(ctx, token); err != nil {
		return nil, err
	}
	return api.Logout204Response{}, nil
}

// GetMe answers the caller's own account.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	p := principal(ctx)
	u, err := s.Accounts.Get(ctx, p, p.UserID)
	if err != nil {
		return nil, err
	}
	return api.GetMe200JSONResponse(userOut(u)), nil
}

type tokenKey struct{}

func withToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, tokenKey{}, token)
}

func tokenOf(ctx context.Context) (string, bool) {
	t, ok := ctx.Value(tokenKey{}).(string)
	return t, ok
}
