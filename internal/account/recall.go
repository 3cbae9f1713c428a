package account

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// live is the condition, over sessions s joined to users u, that the session of token hash $1 is live at
// time $2: not revoked, not expired, its account not disabled.
const live = `s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND NOT u.disabled`

// LiveStatement is the read of the check Recall returns: whether the session of token hash $1 is live at
// time $2.
const LiveStatement = `SELECT EXISTS (SELECT FROM sessions s JOIN users u ON u.id = s.user_id WHERE ` + live + `)`

// notLive answers a token whose session is not live.
func notLive() error { return fault.Unauthenticatedf("The token is not valid; log in again.") }

// Recall returns the principal of token's session when this server has authenticated it before, and the
// check that confirms the session is still live (postgres.Check), for a transaction to send in its first
// round trip. An account's username, role and scope never change, so a principal stays right for as long as
// its session lives; whether it still does is the check's to say. ok is false for a token this server has
// not seen live, or past its session's expiry: Authenticate it.
func (s *Service) Recall(token string) (p scope.Principal, check postgres.Check, ok bool) {
	hash := hashToken(token)
	now := s.now()
	if p, ok = s.seen.get(hash, now); !ok {
		return p, nil, false
	}
	return p, &liveSession{hash: hash, at: now}, true
}

// Settle confirms the session of the check ctx carries, in a round trip of its own, unless it passed already
// (postgres.Settle).
func (s *Service) Settle(ctx context.Context) error {
	pool, err := s.db.DB()
	if err != nil {
		return err
	}
	return postgres.Settle(ctx, pool)
}

// liveSession checks that the session of token hash is live at time at.
type liveSession struct {
	hash   []byte
	at     time.Time
	passed bool
}

func (l *liveSession) Queue(b *pgx.Batch) {
	b.Queue(LiveStatement, l.hash, l.at).
		QueryRow(func(row pgx.Row) error { return row.Scan(&l.passed) })
}

func (l *liveSession) Passed() bool   { return l.passed }
func (l *liveSession) Failure() error { return notLive() }

// maxSeen bounds the sessions a server remembers; past it, it forgets them all and starts again.
const maxSeen = 10_000

// seenSessions are the principals of the sessions this server found live, by token hash, each until its
// session's expiry.
type seenSessions struct {
	mu sync.Mutex
	m  map[string]seenSession
}

type seenSession struct {
	p       scope.Principal
	expires time.Time
}

func (ss *seenSessions) get(hash []byte, now time.Time) (scope.Principal, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	e, ok := ss.m[string(hash)]
	if !ok || !now.Before(e.expires) {
		return scope.Principal{}, false
	}
	return e.p, true
}

func (ss *seenSessions) put(hash []byte, p scope.Principal, expires time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil || len(ss.m) >= maxSeen {
		ss.m = map[string]seenSession{}
	}
	ss.m[string(hash)] = seenSession{p, expires}
}

func (ss *seenSessions) forget(hash []byte) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, string(hash))
}
