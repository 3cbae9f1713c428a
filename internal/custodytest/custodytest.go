// Package custodytest builds, through the real domain services, what custody contracts and field operations
// need: a region tree, village collectives, farms, parcels, providers and their accounts, and contracts in
// draft or active status. It is meant for tests of the contract and operation packages and of anything built
// on them.
//
// A Fixture works over a database of its own and acts as the admin account. Every name,
// code and number it invents comes from a counter, so the same sequence of calls builds the same data; build
// from one goroutine when that matters. Helpers fail the test they are given and must be called from that
// test's goroutine.
package custodytest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/calendar"
	"github.com/tuoguan/tuoguan/internal/collective"
	"github.com/tuoguan/tuoguan/internal/contract"
	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/postgres/pgtest"
	"github.com/tuoguan/tuoguan/internal/provider"
	"github.com/tuoguan/tuoguan/internal/scope"
	"github.com/tuoguan/tuoguan/internal/services"
)

// The region tree every Fixture starts with: 陕西省 › 延安市 › 黄龙县 › 石堡镇. Villages are added under the
// township on demand.
const (
	Province = "610000000000"
	City     = "610600000000"
	County   = "610631000000"
	Township = "610631100000"
)

// Password is the password of every account a Fixture creates.
const Password = "custody-password-1"

// Window is how far a contract's default dates reach on either side of today.
const Window = 180

// Fixture builds custody data over one database.
type Fixture struct {
	// Store is the database the Fixture builds in.
	Store *postgres.DB
	// Services are the real domain services over Store.
	Services services.Services
	// DB is Store through gorm, for reading back what the services wrote.
	DB *gorm.DB
	// Admin is the principal of the account "admin"; the Fixture acts as it.
	Admin scope.Principal
	// Today is the current date in China, as calendar.Today gives it; operations dated after it are refused.
	Today time.Time

	seq     atomic.Int64
	village atomic.Int64
}

// AdminPassword is the password of the account "admin" that New creates.
const AdminPassword = "custody-admin-password"

// cheapHash keeps password hashing fast in tests.
var cheapHash = account.HashParams{MemoryKiB: 64, Time: 1, Threads: 1}

// New starts a fresh database with its admin account and builds the region tree in it.
func New(t testing.TB) *Fixture {
	t.Helper()
	db := pgtest.New(t)
	keys, err := pii.ParseKey(pii.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	svc := services.New(db, keys, account.Config{Hash: cheapHash})
	if _, err := svc.Accounts.Bootstrap(context.Background(), AdminPassword); err != nil {
		t.Fatal(err)
	}
	return On(t, db, svc)
}

// On builds the region tree in db through svc; db must hold the account "admin" and no regions yet.
func On(t testing.TB, db *postgres.DB, svc services.Services) *Fixture {
	t.Helper()
	f := &Fixture{Store: db, Services: svc, DB: db.Gorm, Today: calendar.Today(time.Now())}
	f.seq.Store(1000)
	f.village.Store(200)
	var admin account.User
	if err := f.DB.Where("username = ?", "admin").Take(&admin).Error; err != nil {
		t.Fatalf("custodytest: read the admin account: %v", err)
	}
	f.Admin = admin.Principal()
	for _, r := range []struct{ code, name string }{
		{Province, "陕西省"}, {City, "延安市"}, {County, "黄龙县"}, {Township, "石堡镇"},
	} {
		if _, err := f.Services.Regions.Create(context.Background(), f.Admin, r.code, r.name); err != nil {
			t.Fatalf("custodytest: region %s: %v", r.code, err)
		}
	}
	return f
}

// next returns a number no other call on f returns.
func (f *Fixture) next() int64 { return f.seq.Add(1) }

// Village adds a fresh village under Township and returns its code.
func (f *Fixture) Village(t testing.TB) string {
	t.Helper()
	n := f.village.Add(1)
	if n > 999 {
		t.Fatal("custodytest: out of village codes")
	}
	code := fmt.Sprintf("%s%03d", Township[:9], n)
	if _, err := f.Services.Regions.Create(context.Background(), f.Admin, code, fmt.Sprintf("村%d", n)); err != nil {
		t.Fatalf("custodytest: village %s: %v", code, err)
	}
	return code
}

// CreditCode returns a fresh unified social credit code registered in the county of region.
func (f *Fixture) CreditCode(t testing.TB, region string) string {
	t.Helper()
	first17 := fmt.Sprintf("N2%sMA%07d", region[:6], f.next())
	check, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		t.Fatalf("custodytest: credit code: %v", err)
	}
	return first17 + string(check)
}

// IDNumber returns a fresh valid resident identity number.
func (f *Fixture) IDNumber(t testing.TB) string {
	t.Helper()
	n := f.next()
	first17 := fmt.Sprintf("610631%04d0101%03d", 1950+(n/1000)%50, n%1000)
	check, err := ident.IDCheckChar(first17)
	if err != nil {
		t.Fatalf("custodytest: id number: %v", err)
	}
	return first17 + string(check)
}

// Collective registers a collective for village.
func (f *Fixture) Collective(t testing.TB, village string) collective.Collective {
	t.Helper()
	c, err := f.Services.Collectives.Create(context.Background(), f.Admin, collective.Input{
		Name: ptr(fmt.Sprintf("股份经济合作社%d", f.next())), CreditCode: ptr(f.CreditCode(t, village)),
		RegionCode: ptr(village), ContactName: ptr("王建国"), ContactPhone: ptr("13812345678"),
	})
	if err != nil {
		t.Fatalf("custodytest: collective in %s: %v", village, err)
	}
	return c
}

// Farm registers a household farm in collective collectiveID.
func (f *Fixture) Farm(t testing.TB, collectiveID int64) farm.Farm {
	t.Helper()
	fm, err := f.Services.Farms.Create(context.Background(), f.Admin, farm.Input{
		Kind: ptr("household"), Name: ptr(fmt.Sprintf("农户%d", f.next())), OperatorName: ptr("张三"),
		IDNumber: ptr(f.IDNumber(t)), Phone: ptr("13912345678"), CollectiveID: ptr(collectiveID),
	})
	if err != nil {
		t.Fatalf("custodytest: farm in collective %d: %v", collectiveID, err)
	}
	return fm
}

// Parcel registers a dry-land parcel of farm farmID with area mu ("10.00").
func (f *Fixture) Parcel(t testing.TB, farmID int64, area string) parcel.Parcel {
	t.Helper()
	pc, err := f.Services.Parcels.Create(context.Background(), f.Admin, parcel.Input{
		FarmID: ptr(farmID), Name: ptr(fmt.Sprintf("地块%d", f.next())), AreaMu: ptr(Dec2(t, area)), LandType: ptr("dry"),
	})
	if err != nil {
		t.Fatalf("custodytest: parcel of farm %d: %v", farmID, err)
	}
	return pc
}

// Provider adds an active cooperative at home in County that offers ops.
func (f *Fixture) Provider(t testing.TB, ops ...string) provider.Provider {
	t.Helper()
	pr, err := f.Services.Providers.Create(context.Background(), f.Admin, provider.Input{
		Name: ptr(fmt.Sprintf("农机合作社%d", f.next())), Kind: ptr("cooperative"), CreditCode: ptr(f.CreditCode(t, County)),
		RegionCode: ptr(County), OperationTypes: &ops, ContactName: ptr("李四"), ContactPhone: ptr("13712345678"),
	})
	if err != nil {
		t.Fatalf("custodytest: provider offering %v: %v", ops, err)
	}
	return pr
}

// ProviderAccount creates a fresh account of provider providerID and returns the principal it acts as.
func (f *Fixture) ProviderAccount(t testing.TB, providerID int64) scope.Principal {
	t.Helper()
	return f.account(t, account.NewUser{Role: scope.Provider, ProviderID: providerID})
}

// CollectiveAccount creates a fresh account of collective collectiveID and returns the principal it acts as.
func (f *Fixture) CollectiveAccount(t testing.TB, collectiveID int64) scope.Principal {
	t.Helper()
	return f.account(t, account.NewUser{Role: scope.Collective, CollectiveID: collectiveID})
}

func (f *Fixture) account(t testing.TB, in account.NewUser) scope.Principal {
	t.Helper()
	in.Username, in.Password = fmt.Sprintf("%s-%d", in.Role, f.next()), Password
	u, err := f.Services.Accounts.Create(context.Background(), f.Admin, in)
	if err != nil {
		t.Fatalf("custodytest: %s account: %v", in.Role, err)
	}
	return u.Principal()
}

// Scene is one custody setting: a fresh village with its collective, a household farm of it, a provider,
// and an account of each of the collective and the provider.
type Scene struct {
	Village        string
	Collective     collective.Collective
	Farm           farm.Farm
	Provider       provider.Provider
	CollectiveUser scope.Principal
	ProviderUser   scope.Principal
	fixture        *Fixture
}

// Scene builds a Scene whose provider offers ops.
func (f *Fixture) Scene(t testing.TB, ops ...string) *Scene {
	t.Helper()
	s := &Scene{fixture: f, Village: f.Village(t)}
	s.Collective = f.Collective(t, s.Village)
	s.Farm = f.Farm(t, s.Collective.ID)
	s.Provider = f.Provider(t, ops...)
	s.CollectiveUser = f.CollectiveAccount(t, s.Collective.ID)
	s.ProviderUser = f.ProviderAccount(t, s.Provider.ID)
	return s
}

// Parcel registers a parcel of the scene's farm with area mu.
func (s *Scene) Parcel(t testing.TB, area string) parcel.Parcel {
	t.Helper()
	return s.fixture.Parcel(t, s.Farm.ID, area)
}

// Terms are a scene's contract between its farm and provider on parcels with lines, in default dates.
func (s *Scene) Terms(parcels []contract.ParcelInput, lines ...contract.LineInput) Terms {
	return Terms{CollectiveID: s.Collective.ID, FarmID: s.Farm.ID, ProviderID: s.Provider.ID, Parcels: parcels, Services: lines}
}

// Terms describe a contract to draft. Zero dates default to Window days either side of today, an empty
// mode to partial custody, a zero season to the current year.
type Terms struct {
	CollectiveID, FarmID, ProviderID int64
	Parcels                          []contract.ParcelInput
	Services                         []contract.LineInput
	Mode                             string
	Start, End                       time.Time
	SeasonYear                       int
}

// Area puts area mu ("3.00") of parcel id on a contract.
func Area(t testing.TB, id int64, area string) contract.ParcelInput {
	t.Helper()
	return contract.ParcelInput{ParcelID: id, AreaMu: Dec2(t, area)}
}

// Line is a service line of op with passes, priced 30.00 per mu and pass with a subsidy of 10.00 and a
// baseline cost of 40.00.
func Line(op string, passes int) contract.LineInput {
	return contract.LineInput{OpType: op, Passes: passes, PricePerMu: num.MustDec2("30.00"),
		SubsidyPerMu: num.MustDec2("10.00"), BaselineCostPerMu: num.MustDec2("40.00")}
}

// Input returns the contract.Input of terms, with its defaults filled in.
func (f *Fixture) Input(terms Terms) contract.Input {
	if terms.Mode == "" {
		terms.Mode = contract.ModePartial
	}
	if terms.Start.IsZero() {
		terms.Start = f.Today.AddDate(0, 0, -Window)
	}
	if terms.End.IsZero() {
		terms.End = f.Today.AddDate(0, 0, Window)
	}
	if terms.SeasonYear == 0 {
		terms.SeasonYear = f.Today.Year()
	}
	return contract.Input{
		CollectiveID: ptr(terms.CollectiveID), FarmID: ptr(terms.FarmID), ProviderID: ptr(terms.ProviderID),
		Crop: ptr("corn"), SeasonYear: ptr(terms.SeasonYear), Mode: ptr(terms.Mode),
		StartDate: ptr(terms.Start), EndDate: ptr(terms.End), Parcels: ptr(terms.Parcels), Services: ptr(terms.Services),
		CollectiveFeePerMu: ptr(num.MustDec2("5.00")), BaselineYieldKgPerMu: ptr(num.MustDec2("500.00")),
		PricePerKg: ptr(num.MustDec4("2.3000")),
	}
}

// Draft drafts a contract on terms.
func (f *Fixture) Draft(t testing.TB, terms Terms) contract.Contract {
	t.Helper()
	c, err := f.Services.Contracts.Create(context.Background(), f.Admin, f.Input(terms))
	if err != nil {
		t.Fatalf("custodytest: draft contract: %v", err)
	}
	return c
}

// Active drafts a contract on terms and activates it.
func (f *Fixture) Active(t testing.TB, terms Terms) contract.Contract {
	t.Helper()
	c := f.Draft(t, terms)
	c, err := f.Services.Contracts.Activate(context.Background(), f.Admin, c.ID)
	if err != nil {
		t.Fatalf("custodytest: activate contract %d: %v", c.ID, err)
	}
	return c
}

// DaysAgo is the date n days before today.
func (f *Fixture) DaysAgo(n int) time.Time { return f.Today.AddDate(0, 0, -n) }

// Dec2 parses an area, money or yield figure, failing t when it is not one.
func Dec2(t testing.TB, s string) num.Dec2 {
	t.Helper()
	d, err := num.ParseDec2(s)
	if err != nil {
		t.Fatalf("custodytest: %q: %v", s, err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }
