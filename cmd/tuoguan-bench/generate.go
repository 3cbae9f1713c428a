package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/tuoguan/tuoguan/internal/account"
)

func runGenerate(ctx context.Context, args []string, stdout io.Writer) (err error) {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o options
	sizes := Sizes{}
	fs.IntVar(&sizes.Counties, "counties", 1, fmt.Sprintf("counties (1 to %d)", maxCounties))
	fs.IntVar(&sizes.TownshipsPerCounty, "townships", 5, "townships per county")
	fs.IntVar(&sizes.VillagesPerTownship, "villages", 10, "villages per township, on average")
	fs.IntVar(&sizes.Farms, "farms", 3300, "farms to generate")
	fs.IntVar(&sizes.Parcels, "parcels", 10_000, "parcels to generate")
	fs.IntVar(&sizes.Providers, "providers", 12, "service providers to generate")
	fs.IntVar(&sizes.Contracts, "contracts", 3000, "custody contracts over three seasons")
	fs.IntVar(&sizes.Parts, "parts", 0, "the most operations a pass over a parcel is logged in (0: one, a fifth of them two)")
	fs.BoolVar(&o.verify, "verify", false, "recompute the running totals from the operations in SQL and compare")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the load to this file")
	commonFlags(fs, &o, "tuoguan_bench_generate")
	if done, err := parseFlags(fs, &o, args); done {
		return err
	}
	w, err := custodyWorld(o.seed, sizes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loading %s: %d regions, %d collectives, %d farms, %d parcels, %d providers, %d contracts (seed %d, as of %s)\n",
		o.dbName, len(w.Regions), len(w.Collectives), sizes.Farms, sizes.Parcels, sizes.Providers, sizes.Contracts, o.seed,
		w.Today.Format("2006-01-02"))
	stop, err := profile(o.cpuProfile)
	if err != nil {
		return err
	}
	e, err := setUp(ctx, o, w, account.Config{}, stdout)
	stop()
	if err != nil {
		return err
	}
	return e.Close(ctx, stdout)
}

// custodyWorld checks sizes for a world with contracts and lays it out.
func custodyWorld(seed uint64, sizes Sizes) (*World, error) {
	switch {
	case sizes.Counties < 1 || sizes.Counties > maxCounties:
		return nil, fmt.Errorf("-counties must be from 1 to %d", maxCounties)
	case sizes.TownshipsPerCounty < 1 || sizes.VillagesPerTownship < 1:
		return nil, errors.New("-townships and -villages must be at least 1")
	case sizes.Farms < 1 || sizes.Parcels < sizes.Farms:
		return nil, errors.New("-farms must be at least 1 and -parcels at least -farms")
	case sizes.Providers < sizes.Counties:
		return nil, errors.New("-providers must be at least -counties: every county has one")
	case sizes.Contracts < 0:
		return nil, errors.New("-contracts must not be negative")
	}
	w := NewWorld(seed, yanAn(sizes.Counties), sizes)
	if w.MaxSeasonContracts() > sizes.Farms {
		return nil, fmt.Errorf("-farms must be at least %d: a season's contracts are on distinct farms", w.MaxSeasonContracts())
	}
	return w, nil
}
