package demo

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// rng is a deterministic random source with the draws the plan needs.
type rng struct{ *rand.Rand }

// stream returns the random stream called name of seed: each part of the plan draws from its own, so that
// changing one part leaves the others as they were.
func stream(seed uint64, name string) rng {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rng{rand.New(rand.NewPCG(seed, h.Sum64()))}
}

// between returns a float in [lo, hi).
func (r rng) between(lo, hi float64) float64 { return lo + r.Float64()*(hi-lo) }

// intn returns an int in [lo, hi].
func (r rng) intn(lo, hi int) int { return lo + r.IntN(hi-lo+1) }

// chance reports true with probability p.
func (r rng) chance(p float64) bool { return r.Float64() < p }

func pick[T any](r rng, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted returns an index into weights, drawn in proportion to them.
func (r rng) weighted(weights []float64) int { return synth.Weighted(r.Rand, weights) }

// date returns a day in [from, to].
func (r rng) date(from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, r.IntN(days+1))
}

// cents rounds yuan or mu to cents, half away from zero.
func cents(v float64) int64 { return int64(math.Round(v * 100)) }

// people hands out names, ID numbers, phones and credit codes, none of them twice.
type people struct {
	ids, phones, codes map[string]bool
}

func newPeople() *people {
	return &people{ids: map[string]bool{}, phones: map[string]bool{}, codes: map[string]bool{}}
}

type person struct {
	name, idNumber, phone string
	male                  bool
}

// person draws a resident of the county born between the years from and to, male with probability pMale.
func (pp *people) person(r rng, from, to int, pMale float64) person {
	male := r.chance(pMale)
	given := maleGiven
	if !male {
		given = femaleGiven
	}
	p := person{name: pick(r, surnames) + pick(r, given), male: male}
	birth := r.date(time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC))
	for {
		seq := r.IntN(500) * 2 // the 17th digit is even for women, odd for men
		if male {
			seq++
		}
		first17 := fmt.Sprintf("%s%s%03d", county.code[:6], birth.Format("20060102"), seq)
		check, err := ident.IDCheckChar(first17)
		if err != nil {
			panic(err)
		}
		if id := first17 + string(check); !pp.ids[id] {
			pp.ids[id], p.idNumber = true, id
			break
		}
	}
	p.phone = pp.mobile(r)
	return p
}

var mobilePrefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"153", "155", "156", "157", "158", "159", "177", "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "199"}

// mobile draws a mainland mobile number not handed out before.
func (pp *people) mobile(r rng) string {
	for {
		n := fmt.Sprintf("%s%08d", pick(r, mobilePrefixes), r.IntN(100_000_000))
		if !pp.phones[n] {
			pp.phones[n] = true
			return n
		}
	}
}

// creditAlphabet is the alphabet of GB 32100 organisation codes (no I, O, S, V, Z).
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode draws a unified social credit code registered in the county: authority and type (e.g. "N2" for
// a village collective, "93" for a farmers' cooperative), the county's division code, an organisation code
// beginning with orgPrefix, and the GB 32100 check character.
func (pp *people) creditCode(r rng, kind, orgPrefix string) string {
	for {
		var b strings.Builder
		b.WriteString(kind)
		b.WriteString(county.code[:6])
		b.WriteString(orgPrefix)
		for b.Len() < 17 {
			b.WriteByte(creditAlphabet[r.IntN(len(creditAlphabet))])
		}
		first17 := b.String()
		check, err := ident.CreditCodeCheckChar(first17)
		if err != nil {
			panic(err)
		}
		if code := first17 + string(check); !pp.codes[code] {
			pp.codes[code] = true
			return code
		}
	}
}
