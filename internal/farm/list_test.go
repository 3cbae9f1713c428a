package farm_test

import (
	"context"
	"slices"
	"testing"

	"github.com/tuoguan/tuoguan/internal/custodytest"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/page"
)

// A name of one or two characters finds the farms whose name or operator's name starts with it; a longer one
// those whose name or operator's name contains it. Characters that LIKE reads as wildcards are plain ones.
func TestListByName(t *testing.T) {
	ctx := context.Background()
	f := custodytest.New(t)
	collective := f.Collective(t, f.Village(t))
	register := func(name, operator string) int64 {
		fm, err := f.Services.Farms.Create(ctx, f.Admin, farm.Input{
			Kind: ptr("household"), Name: ptr(name), OperatorName: ptr(operator),
			IDNumber: ptr(f.IDNumber(t)), Phone: ptr("13912345678"), CollectiveID: ptr(collective.ID),
		})
		if err != nil {
			t.Fatalf("register %s: %v", name, err)
		}
		return fm.ID
	}
	wangFang := register("王芳家庭农场", "王芳")
	liSi := register("李四农场", "王五")
	percent := register("5%农场", "赵六")
	fangWang := register("芳王合作农场", "钱七")
	order, err := page.ParseOrder(nil, farm.Sorts)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]int64{
		"王":    {wangFang, liSi},
		"王芳":   {wangFang},
		"芳":    {fangWang},
		"芳王":   {fangWang},
		"五":    nil,
		"5%":   {percent},
		"5_":   nil,
		"家庭农":  {wangFang},
		"农场":   nil,
		"合作农场": {fangWang},
		"%农场":  {percent},
		"王芳家庭": {wangFang},
	} {
		got, _, err := f.Services.Farms.List(ctx, f.Admin, farm.Filter{Name: name}, order, page.Request{Limit: 50})
		if err != nil {
			t.Fatalf("name %q: %v", name, err)
		}
		var ids []int64
		for _, fm := range got {
			ids = append(ids, fm.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("name %q: farms %v, want %v", name, ids, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
