package region_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/region"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// A region is found once it exists, whether or not an earlier call looked for it in vain, and a code that
// names no region stays NotFound however often it is asked.
func TestExistsFollowsTheRegionsTable(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	s := region.NewService(db.Gorm)
	admin := scope.Principal{Role: scope.Admin}
	notFound := func(code string) bool {
		var f *fault.Error
		err := s.Exists(ctx, code)
		return errors.As(err, &f) && f.Kind == fault.NotFound
	}
	for _, code := range []string{"610000000000", "610600000000", "610631000000"} {
		if notFound(code) {
			if _, err := s.Create(ctx, admin, code, "地区"+code[:6]); err != nil {
				t.Fatalf("create %s: %v", code, err)
			}
		}
	}
	const village = "610631101001"
	for range 2 {
		if !notFound(village) {
			t.Fatalf("Exists(%s) before it was created: want NotFound", village)
		}
	}
	if err := s.Exists(ctx, "610631000000"); err != nil {
		t.Fatalf("Exists of a county: %v", err)
	}
	for _, code := range []string{"610631101000", village} {
		if _, err := s.Create(ctx, admin, code, "村"+code[9:]); err != nil {
			t.Fatalf("create %s: %v", code, err)
		}
	}
	for range 2 {
		if err := s.Exists(ctx, village); err != nil {
			t.Fatalf("Exists(%s) once created: %v", village, err)
		}
	}
}
