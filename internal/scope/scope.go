// Package scope says who is asking and what they may see. A Principal is an account's role and scope; a scope
// is a region (a bureau), a collective or a provider. Domain queries take the Principal as an argument and put
// its scope in their WHERE clauses, so that an object outside the scope is simply not found.
package scope

import "context"

// Role is what an account is for.
type Role string

// The roles of docs/domain.md.
const (
	Admin      Role = "admin"
	Bureau     Role = "bureau"
	Collective Role = "collective"
	Provider   Role = "provider"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case Admin, Bureau, Collective, Provider:
		return true
	}
	return false
}

// Principal is the authenticated caller.
type Principal struct {
	UserID   int64
	Username string
	Role     Role
	// RegionCode is a bureau's region; for a collective's or a provider's account, its home region.
	RegionCode   string
	CollectiveID int64
	ProviderID   int64
}

// RegionPrefix is the prefix of the region codes inside the principal's region ("" for admin: everything).
func (p Principal) RegionPrefix() string {
	if p.Role == Admin {
		return ""
	}
	return Prefix(p.RegionCode)
}

// Sees reports whether a region code lies inside the principal's region.
func (p Principal) Sees(code string) bool {
	prefix := p.RegionPrefix()
	return len(code) >= len(prefix) && code[:len(prefix)] == prefix
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal ctx carries; ok is false for an anonymous request.
func FromContext(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}
