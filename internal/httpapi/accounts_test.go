package httpapi_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/httpapi/apitest"
	"github.com/tuoguan/tuoguan/internal/postgres"
)

const loginURL = "/api/v1/auth/login"

// login sends a login attempt and returns the response, whatever its status.
func loginAttempt(t testing.TB, env *apitest.Env, username, password string) *apitest.Response {
	t.Helper()
	return env.Send(t, apitest.Request{Method: http.MethodPost, Path: loginURL, Body: api.LoginRequest{Username: username, Password: password}})
}

// problemWithoutRequest is a problem body without the members that name the request.
func problemWithoutRequest(t testing.TB, res *apitest.Response) map[string]any {
	t.Helper()
	res.Problem(t)
	var m map[string]any
	res.JSON(t, &m)
	delete(m, "request_id")
	delete(m, "instance")
	return m
}

func sameJSON(t testing.TB, a, b any) bool {
	t.Helper()
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	return bytes.Equal(ja, jb)
}

// whoami reads the caller's own account with token and returns the status.
func whoamiStatus(t testing.TB, w *world, token string, id int64) int {
	t.Helper()
	return w.env.Do(t, token, http.MethodGet, "/api/v1/users/"+itoa(id), nil).Status
}

func TestLogin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.newCollectiveUser(t, w.collA)

	t.Run("right password answers a token", func(t *testing.T) {
		t.Parallel()
		before := time.Now()
		res := loginAttempt(t, w.env, u.Username, worldPassword)
		if res.Status != http.StatusOK {
			t.Fatalf("status %d: %s", res.Status, res.Body)
		}
		var s api.Session
		res.JSON(t, &s)
		if s.Token == "" {
			t.Fatal("no token")
		}
		if lo, hi := before.Add(12*time.Hour-2*time.Second), time.Now().Add(12*time.Hour+time.Second); s.ExpiresAt.Before(lo) || s.ExpiresAt.After(hi) {
			t.Errorf("expires_at %s, want about 12 hours from now", s.ExpiresAt)
		}
		var me api.User
		w.env.Expect(t, http.StatusOK, s.Token, http.MethodGet, "/api/v1/users/"+itoa(u.Id), nil).JSON(t, &me)
		if me.Username != u.Username {
			t.Errorf("the token is of %q, want %q", me.Username, u.Username)
		}
	})

	t.Run("wrong password and unknown user answer alike", func(t *testing.T) {
		t.Parallel()
		wrong := loginAttempt(t, w.env, u.Username, "not-the-password")
		unknown := loginAttempt(t, w.env, "nobody-"+u.Username, worldPassword)
		for _, res := range []*apitest.Response{wrong, unknown} {
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", res.Status, res.Body)
			}
		}
		a, b := problemWithoutRequest(t, wrong), problemWithoutRequest(t, unknown)
		if !sameJSON(t, a, b) {
			t.Errorf("a wrong password answers %v, an unknown user %v", a, b)
		}
		if strings.Contains(string(unknown.Body), "nobody-") {
			t.Errorf("the answer echoes the username: %s", unknown.Body)
		}
	})
}

func TestLogoutRevokesTheToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.newCollectiveUser(t, w.collA)
	first, second := w.login(t, u.Username), w.login(t, u.Username)

	w.env.Expect(t, http.StatusNoContent, first, http.MethodPost, "/api/v1/auth/logout", nil)
	if got := whoamiStatus(t, w, first, u.Id); got != http.StatusUnauthorized {
		t.Errorf("a logged-out token answers %d, want 401", got)
	}
	res := w.env.Expect(t, http.StatusUnauthorized, first, http.MethodPost, "/api/v1/auth/logout", nil)
	res.Problem(t)
	if got := whoamiStatus(t, w, second, u.Id); got != http.StatusOK {
		t.Errorf("another session of the account answers %d after the logout, want 200", got)
	}
}

func TestExpiredSessionIsRefused(t *testing.T) {
	t.Parallel()
	const ttl = 90 * time.Minute
	w := newWorld(t, func(c *account.Config) { c.TokenTTL = ttl })
	u := w.newCollectiveUser(t, w.collA)
	before := time.Now()
	var s api.Session
	w.env.Expect(t, http.StatusOK, "", http.MethodPost, loginURL, api.LoginRequest{Username: u.Username, Password: worldPassword}).JSON(t, &s)
	if lo, hi := before.Add(ttl-2*time.Second), time.Now().Add(ttl+time.Second); s.ExpiresAt.Before(lo) || s.ExpiresAt.After(hi) {
		t.Errorf("expires_at %s, want %s from now", s.ExpiresAt, ttl)
	}
	var stored time.Time
	if err := w.env.DB.SQL.QueryRow("SELECT expires_at FROM sessions WHERE user_id = $1", u.Id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !stored.Equal(s.ExpiresAt) {
		t.Errorf("the session row expires at %s, the answer says %s", stored, s.ExpiresAt)
	}
	if got := whoamiStatus(t, w, s.Token, u.Id); got != http.StatusOK {
		t.Fatalf("a live token answers %d", got)
	}

	if _, err := w.env.DB.SQL.Exec("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", u.Id); err != nil {
		t.Fatal(err)
	}
	res := w.env.Do(t, s.Token, http.MethodGet, "/api/v1/users/"+itoa(u.Id), nil)
	if res.Status != http.StatusUnauthorized {
		t.Fatalf("an expired token answers %d, want 401: %s", res.Status, res.Body)
	}
	res.Problem(t)
	w.env.Expect(t, http.StatusUnauthorized, s.Token, http.MethodPost, "/api/v1/auth/logout", nil)
}

func TestDisabledAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.newCollectiveUser(t, w.collA)
	token := w.login(t, u.Username)

	var changed api.User
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Disabled: ptr(true)}).JSON(t, &changed)
	if !changed.Disabled {
		t.Errorf("the answer says disabled=false")
	}
	if got := whoamiStatus(t, w, token, u.Id); got != http.StatusUnauthorized {
		t.Errorf("the token of a disabled account answers %d, want 401", got)
	}
	refused := loginAttempt(t, w.env, u.Username, worldPassword)
	if refused.Status != http.StatusUnauthorized {
		t.Fatalf("a disabled account logs in: %d %s", refused.Status, refused.Body)
	}
	wrong := loginAttempt(t, w.env, u.Username, "not-the-password")
	if a, b := problemWithoutRequest(t, refused), problemWithoutRequest(t, wrong); !sameJSON(t, a, b) {
		t.Errorf("a disabled account answers %v, a wrong password %v", a, b)
	}

	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Disabled: ptr(false)})
	if got := whoamiStatus(t, w, token, u.Id); got != http.StatusUnauthorized {
		t.Errorf("a token revoked by disabling answers %d after enabling, want 401", got)
	}
	fresh := w.login(t, u.Username)
	if got := whoamiStatus(t, w, fresh, u.Id); got != http.StatusOK {
		t.Errorf("an enabled account's new token answers %d", got)
	}
}

func TestPasswordChangeRevokesSessions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	t.Run("own password", func(t *testing.T) {
		t.Parallel()
		u := w.newCollectiveUser(t, w.collA)
		first, second := w.login(t, u.Username), w.login(t, u.Username)
		res := w.env.Expect(t, http.StatusUnprocessableEntity, first, http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Password: ptr("short")})
		if got := res.Fields(t); !sameSet(got, []string{"password"}) {
			t.Errorf("fields %v, want [password]", got)
		}
		w.env.Expect(t, http.StatusOK, first, http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Password: ptr("a-new-password-1")})
		for _, tok := range []string{first, second} {
			if got := whoamiStatus(t, w, tok, u.Id); got != http.StatusUnauthorized {
				t.Errorf("a session from before the change answers %d, want 401", got)
			}
		}
		if res := loginAttempt(t, w.env, u.Username, worldPassword); res.Status != http.StatusUnauthorized {
			t.Errorf("the old password logs in: %d", res.Status)
		}
		w.env.Login(t, u.Username, "a-new-password-1")
	})

	t.Run("set by the bureau", func(t *testing.T) {
		t.Parallel()
		u := w.newCollectiveUser(t, w.collA)
		token := w.login(t, u.Username)
		w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Password: ptr("reset-by-bureau")})
		if got := whoamiStatus(t, w, token, u.Id); got != http.StatusUnauthorized {
			t.Errorf("a session from before the reset answers %d, want 401", got)
		}
		w.env.Login(t, u.Username, "reset-by-bureau")
	})
}

// holdSessionInserts makes every insert into the sessions table of env's database wait while the returned
// connection holds the advisory lock; release lets them through.
func holdSessionInserts(t *testing.T, env *apitest.Env) (waiting func() int, release func()) {
	t.Helper()
	ctx := context.Background()
	if citus, err := postgres.Citus(ctx, env.DB.SQL); err != nil || citus {
		t.Skipf("on Citus (%v) no trigger can hold the inserts of the sessions, a reference table", err)
	}
	const key = 7348201599
	if _, err := env.DB.SQL.ExecContext(ctx, `CREATE FUNCTION test_hold_session_insert() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_advisory_xact_lock_shared(7348201599); RETURN NEW; END $$;
		CREATE TRIGGER test_hold_session_insert BEFORE INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION test_hold_session_insert()`); err != nil {
		t.Fatal(err)
	}
	conn, err := env.DB.SQL.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		t.Fatal(err)
	}
	waiting = func() int {
		var n int
		if err := env.DB.SQL.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	release = func() {
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", key); err != nil {
			t.Fatal(err)
		}
	}
	return waiting, release
}

// rawLogin posts a login without the harness, so that it may run outside the test's goroutine.
func rawLogin(env *apitest.Env, username, password string) (int, api.Session) {
	body, _ := json.Marshal(api.LoginRequest{Username: username, Password: password})
	r := httptest.NewRequest(http.MethodPost, "http://tuoguan.test"+loginURL, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	env.Handler.ServeHTTP(rec, r)
	var s api.Session
	_ = json.Unmarshal(rec.Body.Bytes(), &s)
	return rec.Code, s
}

func TestPasswordChangeDuringLoginRevokesThatSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.newCollectiveUser(t, w.collA)
	waiting, release := holdSessionInserts(t, w.env)

	type result struct {
		status  int
		session api.Session
	}
	done := make(chan result, 1)
	go func() {
		status, s := rawLogin(w.env, u.Username, worldPassword)
		done <- result{status, s}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for waiting() == 0 {
		if time.Now().After(deadline) {
			release()
			t.Fatal("the login never reached its session insert")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The login has checked the old password and waits to store its session; the password changes now. The
	// change may have to wait for the login to finish (it then revokes the new session), so it runs beside it.
	changed := make(chan int, 1)
	go func() {
		r := w.env.Send(t, apitest.Request{Method: http.MethodPatch, Path: "/api/v1/users/" + itoa(u.Id), Token: w.env.Admin,
			Body: api.UserUpdate{Password: ptr("changed-meanwhile")}})
		changed <- r.Status
	}()
	time.Sleep(100 * time.Millisecond)
	release()
	res := <-done
	if status := <-changed; status != http.StatusOK {
		t.Fatalf("password change: %d", status)
	}
	switch res.status {
	case http.StatusUnauthorized: // refused: the password had changed when the session was to be opened
	case http.StatusOK:
		if got := whoamiStatus(t, w, res.session.Token, u.Id); got != http.StatusUnauthorized {
			t.Errorf("a session opened with the old password across a password change answers %d, want 401", got)
		}
	default:
		t.Fatalf("login: %d", res.status)
	}
}

func TestNobodyDisablesThemselves(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for r, id := range map[role]int64{asAdmin: w.adminID, asBureau: w.bureauA.Id, asCollective: w.collAUser.Id} {
		t.Run(string(r), func(t *testing.T) {
			t.Parallel()
			res := w.env.Expect(t, http.StatusUnprocessableEntity, w.token[r], http.MethodPatch, "/api/v1/users/"+itoa(id), api.UserUpdate{Disabled: ptr(true)})
			if got := res.Fields(t); !sameSet(got, []string{"disabled"}) {
				t.Errorf("fields %v, want [disabled]", got)
			}
			var u api.User
			w.env.Expect(t, http.StatusOK, w.token[r], http.MethodGet, "/api/v1/users/"+itoa(id), nil).JSON(t, &u)
			if u.Disabled {
				t.Errorf("%s disabled itself", r)
			}
		})
	}
}

func TestWhoCreatesWhichAccounts(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, tc := range []struct {
		name   string
		token  func() string
		body   api.UserCreate
		status int
		fields []string
	}{
		{"bureau creates a bureau", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(townshipA)}, 403, nil},
		{"bureau creates an admin", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleAdmin}, 403, nil},
		{"bureau creates a collective account outside its county", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(w.collB.Id)}, 422, []string{"collective_id"}},
		{"bureau creates a collective account for no collective", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(int64(987654))}, 422, []string{"collective_id"}},
		{"bureau creates a collective account in its county", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(w.collA.Id)}, 201, nil},
		{"bureau creates a provider account in its county", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleProvider, ProviderId: ptr(w.provA.Id)}, 201, nil},
		{"bureau creates a provider account outside its county", func() string { return w.token[asBureau] },
			api.UserCreate{Role: api.RoleProvider, ProviderId: ptr(w.provB.Id)}, 422, []string{"provider_id"}},
		{"collective creates a collective account", func() string { return w.token[asCollective] },
			api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(w.collA.Id)}, 403, nil},
		{"collective creates an admin", func() string { return w.token[asCollective] },
			api.UserCreate{Role: api.RoleAdmin}, 403, nil},
		{"admin creates a bureau", func() string { return w.env.Admin },
			api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(townshipB)}, 201, nil},
		{"admin creates an admin", func() string { return w.env.Admin },
			api.UserCreate{Role: api.RoleAdmin}, 201, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := tc.body
			body.Username, body.Password = w.username("acct"), worldPassword
			res := w.env.Expect(t, tc.status, tc.token(), http.MethodPost, "/api/v1/users", body)
			switch {
			case tc.status >= 400:
				fields := res.Fields(t)
				if tc.fields != nil && !sameSet(fields, tc.fields) {
					t.Errorf("fields %v, want %v", fields, tc.fields)
				}
				if res := loginAttempt(t, w.env, body.Username, worldPassword); res.Status != http.StatusUnauthorized {
					t.Errorf("a refused account logs in: %d", res.Status)
				}
			default:
				var u api.User
				res.JSON(t, &u)
				if u.Username != body.Username || u.Role != body.Role || u.Disabled {
					t.Errorf("created %+v from %+v", u, body)
				}
				if loc := res.Header.Get("Location"); loc != "/api/v1/users/"+itoa(u.Id) {
					t.Errorf("Location = %q", loc)
				}
				w.env.Login(t, body.Username, worldPassword)
			}
		})
	}
}

func TestDuplicateUsername(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	type dup struct{ name, username, token string }
	var cases []dup
	for _, tc := range []dup{
		{"admin reuses a collective's name", w.collAUser.Username, w.env.Admin},
		{"admin reuses admin", "admin", w.env.Admin},
		{"bureau reuses a name outside its county", w.collBUser.Username, w.token[asBureau]},
	} {
		cases = append(cases, tc)
	}
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				res := w.env.Expect(t, http.StatusConflict, tc.token, http.MethodPost, "/api/v1/users", api.UserCreate{
					Username: tc.username, Password: "another-password", Role: api.RoleCollective, CollectiveId: ptr(w.collA.Id)})
				if p := res.Problem(t); p.Status != http.StatusConflict {
					t.Errorf("problem %+v", p)
				}
			})
		}
	})
	if res := loginAttempt(t, w.env, w.collAUser.Username, "another-password"); res.Status != http.StatusUnauthorized {
		t.Errorf("a refused duplicate changed the password: %d", res.Status)
	}
}

func TestUserValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	coll := ptr(w.collA.Id)
	for _, tc := range []struct {
		name   string
		body   api.UserCreate
		fields []string
	}{
		{"username too short", api.UserCreate{Username: "ab", Role: api.RoleAdmin}, []string{"username"}},
		{"username too long", api.UserCreate{Username: strings.Repeat("a", 65), Role: api.RoleAdmin}, []string{"username"}},
		{"username upper case", api.UserCreate{Username: "Wang-jianguo", Role: api.RoleAdmin}, []string{"username"}},
		{"username starts with a dash", api.UserCreate{Username: "-wang", Role: api.RoleAdmin}, []string{"username"}},
		{"username with a space", api.UserCreate{Username: "wang jg", Role: api.RoleAdmin}, []string{"username"}},
		{"username in Chinese", api.UserCreate{Username: "王建国", Role: api.RoleAdmin}, []string{"username"}},
		{"password of 9 characters", api.UserCreate{Password: "123456789", Role: api.RoleAdmin}, []string{"password"}},
		{"password empty", api.UserCreate{Password: "-", Role: api.RoleAdmin}, []string{"password"}},
		{"password over 256 bytes", api.UserCreate{Password: strings.Repeat("x", 257), Role: api.RoleAdmin}, []string{"password"}},
		{"unknown role", api.UserCreate{Role: "root"}, []string{"role"}},
		{"empty role", api.UserCreate{Role: ""}, []string{"role"}},
		{"bureau without region", api.UserCreate{Role: api.RoleBureau}, []string{"region_code"}},
		{"bureau with a region that does not exist", api.UserCreate{Role: api.RoleBureau, RegionCode: ptr("619999000000")}, []string{"region_code"}},
		{"bureau with a collective", api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(countyA), CollectiveId: coll}, []string{"collective_id"}},
		{"bureau with a provider", api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(countyA), ProviderId: ptr(int64(1))}, []string{"provider_id"}},
		{"collective without collective", api.UserCreate{Role: api.RoleCollective}, []string{"collective_id"}},
		{"collective with a region", api.UserCreate{Role: api.RoleCollective, CollectiveId: coll, RegionCode: ptr(villageA1)}, []string{"region_code"}},
		{"collective with a region instead", api.UserCreate{Role: api.RoleCollective, RegionCode: ptr(villageA1)}, []string{"region_code", "collective_id"}},
		{"collective of no collective", api.UserCreate{Role: api.RoleCollective, CollectiveId: ptr(int64(987654))}, []string{"collective_id"}},
		{"provider without provider", api.UserCreate{Role: api.RoleProvider}, []string{"provider_id"}},
		{"admin with a region", api.UserCreate{Role: api.RoleAdmin, RegionCode: ptr(countyA)}, []string{"region_code"}},
		{"admin with everything", api.UserCreate{Role: api.RoleAdmin, RegionCode: ptr(countyA), CollectiveId: coll, ProviderId: ptr(int64(1))},
			[]string{"region_code", "collective_id", "provider_id"}},
		{"everything wrong", api.UserCreate{Username: "x", Password: "p", Role: api.RoleBureau}, []string{"username", "password", "region_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			body := tc.body
			if body.Username == "" {
				body.Username = w.username("valid")
			}
			switch body.Password {
			case "":
				body.Password = worldPassword
			case "-":
				body.Password = ""
			}
			res := w.env.Expect(t, http.StatusUnprocessableEntity, w.env.Admin, http.MethodPost, "/api/v1/users", body)
			if got := res.Fields(t); !sameSet(got, tc.fields) {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
			if p := res.Problem(t); p.Type != "urn:tuoguan:problem:invalid" {
				t.Errorf("type %q", p.Type)
			}
		})
	}

	t.Run("bounds that pass", func(t *testing.T) {
		t.Parallel()
		for _, body := range []api.UserCreate{
			{Username: "a.b_" + strconv.FormatInt(w.next(), 10), Password: "1234567890", Role: api.RoleAdmin},
			{Username: "0" + strings.Repeat("z", 55) + strconv.FormatInt(w.next(), 10), Password: "一二三四五六七八九十", Role: api.RoleAdmin},
		} {
			w.env.Expect(t, http.StatusCreated, w.env.Admin, http.MethodPost, "/api/v1/users", body)
			w.env.Login(t, body.Username, body.Password)
		}
	})
}

func TestUserListScoping(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	list := func(t *testing.T, token, query string) []string {
		t.Helper()
		return itemKeys(t, w.env.Expect(t, http.StatusOK, token, http.MethodGet, "/api/v1/users?limit=500"+query, nil), "id")
	}
	all := []string{itoa(w.adminID), itoa(w.bureauA.Id), itoa(w.bureauB.Id), itoa(w.collAUser.Id), itoa(w.collBUser.Id),
		itoa(w.provAUser.Id), itoa(w.provBUser.Id)}

	if got := list(t, w.env.Admin, ""); !sameSet(got, all) {
		t.Errorf("admin lists %v, want %v", got, all)
	}
	if got, want := list(t, w.token[asBureau], ""), []string{itoa(w.bureauA.Id), itoa(w.collAUser.Id), itoa(w.provAUser.Id)}; !sameSet(got, want) {
		t.Errorf("bureau A lists %v, want %v", got, want)
	}
	if got, want := list(t, w.bureauBToken, ""), []string{itoa(w.bureauB.Id), itoa(w.collBUser.Id), itoa(w.provBUser.Id)}; !sameSet(got, want) {
		t.Errorf("bureau B lists %v, want %v", got, want)
	}
	if got, want := list(t, w.token[asBureau], "&role=collective"), []string{itoa(w.collAUser.Id)}; !sameSet(got, want) {
		t.Errorf("bureau A lists collectives %v, want %v", got, want)
	}
	if got := list(t, w.token[asBureau], "&region_code="+countyB); len(got) != 0 {
		t.Errorf("bureau A lists accounts of county B: %v", got)
	}
	for _, token := range []string{w.token[asCollective], w.collBUserToken} {
		got := list(t, token, "")
		if len(got) != 1 || (got[0] != itoa(w.collAUser.Id) && got[0] != itoa(w.collBUser.Id)) {
			t.Errorf("a collective lists %v, want only itself", got)
		}
	}
	if got, want := list(t, w.token[asCollective], ""), []string{itoa(w.collAUser.Id)}; !sameSet(got, want) {
		t.Errorf("collective A lists %v, want %v", got, want)
	}
	if got, want := list(t, w.token[asBureau], "&role=provider"), []string{itoa(w.provAUser.Id)}; !sameSet(got, want) {
		t.Errorf("bureau A lists providers %v, want %v", got, want)
	}
	for _, tc := range []struct {
		token string
		self  api.User
	}{{w.token[asProvider], w.provAUser}, {w.provBUserToken, w.provBUser}} {
		if got, want := list(t, tc.token, ""), []string{itoa(tc.self.Id)}; !sameSet(got, want) {
			t.Errorf("provider %s lists %v, want only itself %v", tc.self.Username, got, want)
		}
	}

	for _, tc := range []struct {
		who   string
		token string
		id    int64
		want  int
	}{
		{"bureau A reads the admin", w.token[asBureau], w.adminID, 404},
		{"bureau A reads bureau B", w.token[asBureau], w.bureauB.Id, 404},
		{"bureau A reads collective B's account", w.token[asBureau], w.collBUser.Id, 404},
		{"bureau A reads itself", w.token[asBureau], w.bureauA.Id, 200},
		{"collective A reads bureau A", w.token[asCollective], w.bureauA.Id, 404},
		{"collective A reads collective B's account", w.token[asCollective], w.collBUser.Id, 404},
		{"collective A reads the admin", w.token[asCollective], w.adminID, 404},
		{"provider A reads itself", w.token[asProvider], w.provAUser.Id, 200},
		{"provider A reads collective A's account", w.token[asProvider], w.collAUser.Id, 404},
		{"provider A reads provider B's account", w.token[asProvider], w.provBUser.Id, 404},
		{"bureau A reads provider A's account", w.token[asBureau], w.provAUser.Id, 200},
		{"bureau A reads provider B's account", w.token[asBureau], w.provBUser.Id, 404},
		{"admin reads collective B's account", w.env.Admin, w.collBUser.Id, 200},
		{"admin reads no account", w.env.Admin, 987654, 404},
	} {
		if got := w.env.Do(t, tc.token, http.MethodGet, "/api/v1/users/"+itoa(tc.id), nil).Status; got != tc.want {
			t.Errorf("%s: %d, want %d", tc.who, got, tc.want)
		}
	}

	// The bureau may change only the accounts it may create, and never one outside its county.
	for _, tc := range []struct {
		who  string
		id   int64
		want int
	}{
		{"bureau A changes bureau B", w.bureauB.Id, 404},
		{"bureau A changes the admin", w.adminID, 404},
		{"bureau A changes collective B's account", w.collBUser.Id, 404},
		{"bureau A changes provider B's account", w.provBUser.Id, 404},
	} {
		if got := w.env.Do(t, w.token[asBureau], http.MethodPatch, "/api/v1/users/"+itoa(tc.id), api.UserUpdate{Password: ptr("taken-over-pass")}).Status; got != tc.want {
			t.Errorf("%s: %d, want %d", tc.who, got, tc.want)
		}
	}
	township := w.newUser(t, api.UserCreate{Role: api.RoleBureau, RegionCode: ptr(townshipA)})
	if got := w.env.Do(t, w.token[asBureau], http.MethodPatch, "/api/v1/users/"+itoa(township.Id), api.UserUpdate{Disabled: ptr(true)}).Status; got != http.StatusForbidden {
		t.Errorf("bureau A disables a bureau inside its county: %d, want 403", got)
	}
	if got := w.env.Do(t, w.token[asCollective], http.MethodPatch, "/api/v1/users/"+itoa(w.collAUser.Id), api.UserUpdate{Disabled: ptr(false)}).Status; got != http.StatusForbidden {
		t.Errorf("a collective sets its own disabled flag: %d, want 403", got)
	}
	if got := w.env.Do(t, w.token[asProvider], http.MethodPatch, "/api/v1/users/"+itoa(w.provAUser.Id), api.UserUpdate{Disabled: ptr(false)}).Status; got != http.StatusForbidden {
		t.Errorf("a provider sets its own disabled flag: %d, want 403", got)
	}
}

func TestUserListPagination(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for i := 0; i < 5; i++ { // 7 accounts of the world + 5 = 12
		w.newCollectiveUser(t, pick(i%2 == 0, w.collA, w.collB))
	}
	all := itemKeys(t, w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/users?limit=500", nil), "id")
	if len(all) != 12 {
		t.Fatalf("admin lists %d accounts, want 12", len(all))
	}

	walk := func(t *testing.T, token string, limit int) (ids []string, pages []int) {
		t.Helper()
		cursor := ""
		for range 100 {
			path := "/api/v1/users?limit=" + strconv.Itoa(limit)
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			var page api.UserList
			w.env.Expect(t, http.StatusOK, token, http.MethodGet, path, nil).JSON(t, &page)
			if len(page.Items) > limit {
				t.Fatalf("a page of %d items with limit %d", len(page.Items), limit)
			}
			for _, u := range page.Items {
				ids = append(ids, itoa(u.Id))
			}
			pages = append(pages, len(page.Items))
			if page.NextCursor == nil {
				return ids, pages
			}
			if *page.NextCursor == "" {
				t.Fatal("an empty next_cursor; the last page has null")
			}
			cursor = *page.NextCursor
		}
		t.Fatal("the pages never end")
		return nil, nil
	}

	for _, tc := range []struct {
		limit int
		pages []int
	}{{5, []int{5, 5, 2}}, {4, []int{4, 4, 4}}, {1, slices.Repeat([]int{1}, 12)}, {12, []int{12}}, {500, []int{12}}} {
		t.Run("limit "+strconv.Itoa(tc.limit), func(t *testing.T) {
			t.Parallel()
			ids, pages := walk(t, w.env.Admin, tc.limit)
			if !slices.Equal(ids, all) {
				t.Errorf("pages give %v, want %v in order", ids, all)
			}
			if !slices.Equal(pages, tc.pages) {
				t.Errorf("page sizes %v, want %v", pages, tc.pages)
			}
		})
	}

	t.Run("bureau", func(t *testing.T) {
		t.Parallel()
		full := itemKeys(t, w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodGet, "/api/v1/users", nil), "id")
		ids, _ := walk(t, w.token[asBureau], 2)
		if !slices.Equal(ids, full) || len(full) != 6 {
			t.Errorf("bureau pages give %v, its full list is %v (want 6 accounts)", ids, full)
		}
	})

	t.Run("ascending ids", func(t *testing.T) {
		t.Parallel()
		for i := 1; i < len(all); i++ {
			a, _ := strconv.ParseInt(all[i-1], 10, 64)
			b, _ := strconv.ParseInt(all[i], 10, 64)
			if a >= b {
				t.Errorf("ids out of order: %v", all)
			}
		}
	})

	for _, tc := range []struct{ query, field string }{
		{"limit=0", "limit"}, {"limit=501", "limit"}, {"limit=-1", "limit"}, {"limit=abc", "limit"},
		{"limit=1.5", "limit"}, {"cursor=!!!", "cursor"}, {"cursor=eA", "cursor"}, {"cursor=LTE", "cursor"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			t.Parallel()
			res := w.env.Expect(t, http.StatusBadRequest, w.env.Admin, http.MethodGet, "/api/v1/users?"+tc.query, nil)
			if got := res.Fields(t); !sameSet(got, []string{tc.field}) {
				t.Errorf("fields %v, want [%s]", got, tc.field)
			}
		})
	}
}

// retryAfter returns the Retry-After seconds of res, failing t when there are none.
func retryAfter(t testing.TB, res *apitest.Response) int {
	t.Helper()
	v := res.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", v)
	}
	return n
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()

	t.Run("per account", func(t *testing.T) {
		t.Parallel()
		env := apitest.New(t, func(c *account.Config) { c.AccountEvery, c.AccountBurst = time.Hour, 3 })
		env.Expect(t, http.StatusCreated, env.Admin, http.MethodPost, "/api/v1/users", api.UserCreate{
			Username: "limited", Password: worldPassword, Role: api.RoleAdmin})
		for i := 0; i < 3; i++ {
			if res := loginAttempt(t, env, "limited", "wrong-password"); res.Status != http.StatusUnauthorized {
				t.Fatalf("attempt %d: %d, want 401", i+1, res.Status)
			}
		}
		res := loginAttempt(t, env, "limited", worldPassword)
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("the 4th attempt with the right password: %d, want 429: %s", res.Status, res.Body)
		}
		if p := res.Problem(t); p.Status != http.StatusTooManyRequests {
			t.Errorf("problem %+v", p)
		}
		if n := retryAfter(t, res); n > 3600 {
			t.Errorf("Retry-After %d, want at most an hour", n)
		}
		if strings.Contains(string(res.Body), "tg_") {
			t.Errorf("a refused attempt carries a token: %s", res.Body)
		}
		var sessions int
		if err := env.DB.SQL.QueryRow("SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'limited'").Scan(&sessions); err != nil {
			t.Fatal(err)
		}
		if sessions != 0 {
			t.Errorf("%d sessions opened for the limited account", sessions)
		}
		// Other accounts from the same address are not limited by this one.
		env.Login(t, "admin", apitest.AdminPassword)
	})

	t.Run("per address", func(t *testing.T) {
		t.Parallel()
		// apitest.New spends one attempt logging the admin in.
		env := apitest.New(t, func(c *account.Config) { c.AddrEvery, c.AddrBurst = time.Hour, 3 })
		for _, name := range []string{"nobody-1", "nobody-2"} {
			if res := loginAttempt(t, env, name, worldPassword); res.Status != http.StatusUnauthorized {
				t.Fatalf("%s: %d, want 401", name, res.Status)
			}
		}
		res := loginAttempt(t, env, "admin", apitest.AdminPassword)
		if res.Status != http.StatusTooManyRequests {
			t.Fatalf("the 4th attempt from one address: %d, want 429: %s", res.Status, res.Body)
		}
		res.Problem(t)
		retryAfter(t, res)

		for i, header := range []map[string]string{
			{"X-Forwarded-For": "203.0.113.7"},
			{"X-Forwarded-For": "198.51.100.23, 203.0.113.8"},
			{"X-Real-Ip": "198.51.100.9"},
			{"X-Real-Ip": "203.0.113.77", "X-Forwarded-For": "203.0.113.78"},
			{"Forwarded": "for=203.0.113.79"},
			{"True-Client-Ip": "203.0.113.80"},
		} {
			res := env.Send(t, apitest.Request{Method: http.MethodPost, Path: loginURL, Header: header,
				Body: api.LoginRequest{Username: "admin", Password: apitest.AdminPassword}})
			if res.Status != http.StatusTooManyRequests {
				t.Errorf("forged address %d %v: %d, want 429: %s", i, header, res.Status, res.Body)
				continue
			}
			res.Problem(t)
			retryAfter(t, res)
		}

		// A client at another address is not limited.
		body, _ := json.Marshal(api.LoginRequest{Username: "admin", Password: apitest.AdminPassword})
		r := httptest.NewRequest(http.MethodPost, "http://tuoguan.test"+loginURL, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = "198.51.100.200:40000"
		rec := httptest.NewRecorder()
		env.Handler.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Errorf("another address: %d, want 200: %s", rec.Code, rec.Body)
		}
	})
}

func TestBootstrapAndStoredSecrets(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()

	t.Run("bootstrap once", func(t *testing.T) {
		t.Parallel()
		created, err := w.env.Services.Accounts.Bootstrap(ctx, "another-admin-password")
		if err != nil || created {
			t.Fatalf("second bootstrap: created=%v err=%v", created, err)
		}
		var admins int
		if err := w.env.DB.SQL.QueryRow("SELECT count(*) FROM users WHERE role = 'admin'").Scan(&admins); err != nil {
			t.Fatal(err)
		}
		if admins != 1 {
			t.Errorf("%d admin accounts", admins)
		}
		if res := loginAttempt(t, w.env, "admin", "another-admin-password"); res.Status != http.StatusUnauthorized {
			t.Errorf("the second bootstrap's password logs in: %d", res.Status)
		}
	})

	t.Run("argon2id hashes", func(t *testing.T) {
		t.Parallel()
		rows, err := w.env.DB.SQL.Query("SELECT username, password_hash FROM users")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var name, hash string
			if err := rows.Scan(&name, &hash); err != nil {
				t.Fatal(err)
			}
			n++
			if !strings.HasPrefix(hash, "$argon2id$") {
				t.Errorf("%s: password_hash %q is not argon2id", name, hash)
			}
			if strings.Contains(hash, worldPassword) || strings.Contains(hash, apitest.AdminPassword) {
				t.Errorf("%s: the password is in its hash", name)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n < 5 {
			t.Errorf("%d accounts", n)
		}
	})

	t.Run("no token in the clear", func(t *testing.T) {
		t.Parallel()
		u := w.newCollectiveUser(t, w.collA)
		token := w.login(t, u.Username)
		var hash []byte
		var row string
		if err := w.env.DB.SQL.QueryRow("SELECT token_hash, row_to_json(s)::text FROM sessions s WHERE user_id = $1", u.Id).Scan(&hash, &row); err != nil {
			t.Fatal(err)
		}
		if len(hash) == 0 || bytes.Equal(hash, []byte(token)) || bytes.Contains(hash, []byte(token)) {
			t.Errorf("token_hash %x holds the token", hash)
		}
		secret := strings.TrimPrefix(token, "tg_")
		for _, s := range []string{token, secret, hex.EncodeToString([]byte(token))} {
			if strings.Contains(row, s) {
				t.Errorf("the session row holds the token: %s", row)
			}
		}
	})
}

func TestAccountChangesAreAudited(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const first, second = "first-secret-pw", "second-secret-pw"
	var u api.User
	w.env.Expect(t, http.StatusCreated, w.token[asBureau], http.MethodPost, "/api/v1/users", api.UserCreate{
		Username: "audited", Password: first, Role: api.RoleCollective, CollectiveId: ptr(w.collA.Id)}).JSON(t, &u)
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Password: ptr(second)})
	w.env.Expect(t, http.StatusOK, w.token[asBureau], http.MethodPatch, "/api/v1/users/"+itoa(u.Id), api.UserUpdate{Disabled: ptr(true)})

	var events api.AuditEventList
	w.env.Expect(t, http.StatusOK, w.env.Admin, http.MethodGet, "/api/v1/audit-events?object_type=user&object_id="+itoa(u.Id), nil).JSON(t, &events)
	var actions []string
	for _, e := range events.Items {
		actions = append(actions, e.Action)
		if e.ObjectType != "user" || e.ObjectId != itoa(u.Id) {
			t.Errorf("event about %s %s in a filtered listing", e.ObjectType, e.ObjectId)
		}
		raw, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"password", first, second, "$argon2id$", "argon2"} {
			if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(secret)) {
				t.Errorf("event %s carries %q: %s", e.Action, secret, raw)
			}
		}
		if e.RegionCode == nil || *e.RegionCode != villageA1 {
			t.Errorf("event %s region_code %v, want %s", e.Action, e.RegionCode, villageA1)
		}
	}
	if want := []string{"user.update", "user.update", "user.create"}; !slices.Equal(actions, want) {
		t.Fatalf("actions %v, want %v (newest first)", actions, want)
	}
	create, disable := events.Items[2], events.Items[0]
	if create.Before != nil || create.After == nil || (*create.After)["username"] != "audited" {
		t.Errorf("user.create before=%v after=%v", create.Before, create.After)
	}
	if create.ActorId == nil || *create.ActorId != w.bureauA.Id || orZero(create.ActorRole) != "bureau" {
		t.Errorf("user.create actor %v %v, want bureau A", create.ActorId, create.ActorRole)
	}
	if events.Items[1].ActorId == nil || *events.Items[1].ActorId != w.adminID {
		t.Errorf("the password change's actor %v, want the admin", events.Items[1].ActorId)
	}
	if disable.Before == nil || disable.After == nil || (*disable.Before)["disabled"] != false || (*disable.After)["disabled"] != true {
		t.Errorf("user.update (disable) before=%v after=%v", disable.Before, disable.After)
	}
	for _, e := range events.Items {
		if orZero(e.RequestId) == "" {
			t.Errorf("event %s has no request id", e.Action)
		}
	}

	// Bureau A reads the events about accounts in its county; bureau B does not.
	for _, tc := range []struct {
		token string
		n     int
	}{{w.token[asBureau], 3}, {w.bureauBToken, 0}} {
		var got api.AuditEventList
		w.env.Expect(t, http.StatusOK, tc.token, http.MethodGet, "/api/v1/audit-events?object_type=user&object_id="+itoa(u.Id), nil).JSON(t, &got)
		if len(got.Items) != tc.n {
			t.Errorf("a bureau reads %d events about the account, want %d", len(got.Items), tc.n)
		}
	}
	w.env.Expect(t, http.StatusForbidden, w.token[asCollective], http.MethodGet, "/api/v1/audit-events?object_type=user", nil)
}

func orZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func TestMeIsTheTokensAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	u := w.newCollectiveUser(t, w.collA)
	token := w.login(t, u.Username)

	var me api.User
	w.env.Expect(t, http.StatusOK, token, http.MethodGet, "/api/v1/auth/me", nil).JSON(t, &me)
	if me.Id != u.Id || me.Username != u.Username || me.Role != api.RoleCollective || me.CollectiveId == nil || *me.CollectiveId != *u.CollectiveId {
		t.Errorf("/auth/me answers %+v, want the account %+v", me, u)
	}
	w.env.Expect(t, http.StatusNoContent, token, http.MethodPost, "/api/v1/auth/logout", nil)
	w.env.Expect(t, http.StatusUnauthorized, token, http.MethodGet, "/api/v1/auth/me", nil).Problem(t)
	w.env.Expect(t, http.StatusUnauthorized, "", http.MethodGet, "/api/v1/auth/me", nil).Problem(t)
}
