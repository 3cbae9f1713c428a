package main

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/geo"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/synth"
)

// Sizes are the dimensions of a generated data set.
type Sizes struct {
	Counties            int
	TownshipsPerCounty  int
	VillagesPerTownship int // on average: each township has this many, give or take two
	Farms               int
	Parcels             int
	Providers           int
	// Contracts are the custody contracts over three seasons (the year before Today's, Today's and the next),
	// with their parcels, service lines, delivery caps and operations; 0 for none.
	Contracts int
	// Parts is the most operations one pass over a parcel is logged in; 0 or 1: one, a fifth of them two.
	Parts int
	// Today is the date the data set is as of: no operation is dated after it. Zero means the current date
	// in China, the date the service validates operations against.
	Today time.Time
}

// Region is one division of a generated region tree.
type Region struct {
	Code, Name, Level, Parent string
}

// Collective is a generated village collective; its id is its index in World.Collectives plus one.
type Collective struct {
	ID          int64
	CountyCode  string
	CountyIndex int // in World.Counties
	Village     Region
	Township    Region
	County      Region
}

// City is the top of a generated tree: a province, one of its cities (and more cities when there are more
// counties than one city holds) and the counties to fill.
type City struct {
	Province Region
	City     Region
	More     []Region // further cities of the province, parents of the counties beyond the first city's
	Counties []Region
}

// World is the skeleton of a generated data set: what the row generators and the measurements need to know,
// without the rows themselves. Every farm, parcel and provider is a pure function of the seed and its index,
// so a row can be regenerated at random (World.Farm) and a larger world streams rows without holding them.
type World struct {
	Seed        uint64
	Sizes       Sizes
	Regions     []Region // parents before children
	Counties    []Region
	Townships   []Region
	Collectives []Collective
	// farmCollective maps a farm's index (id − 1) to its collective's index.
	farmCollective []int32

	// Today is the date the data set is as of; Seasons are the contracts' season years, oldest first.
	Today   time.Time
	Seasons [3]int
	// seasonStart is the index of each season's first contract, and seasonStart[3] the number of contracts.
	seasonStart [4]int
	// farmStride walks the farms so that a season's contracts go to distinct farms.
	farmStride int
	// countyProviders are, per county, the indexes of its active providers, and fullProviders those of them
	// that offer every operation of full custody.
	countyProviders, fullProviders [][]int
	providers                      []ProviderSpec
}

// Salts separate the pseudo-random streams of the generators.
const (
	saltTree uint64 = iota + 1
	saltWeights
	saltAssign
	saltCollective
	saltFarm
	saltParcel
	saltProvider
	saltCertificate
	saltContract
	saltOperation
	saltSeason
	saltClose
)

// mix is splitmix64 over the seed, a salt and an index: a cheap, well-spread pure function.
func mix(seed, salt uint64, i int) uint64 {
	z := seed ^ salt*0x9e3779b97f4a7c15 ^ uint64(i)*0xbf58476d1ce4e5b9
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// rowRand is the pseudo-random stream of row i of a table.
func rowRand(seed, salt uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed, salt, i), seed^salt))
}

// yanAn is Yan'an city in Shaanxi with n counties: its real ones first, then made-up ones, 60 of them in
// Yan'an and, beyond 70 counties, 60 more in each further city of the province.
func yanAn(n int) City {
	known := []Region{
		{Code: "610621", Name: "延长县"}, {Code: "610622", Name: "延川县"}, {Code: "610625", Name: "志丹县"},
		{Code: "610626", Name: "吴起县"}, {Code: "610627", Name: "甘泉县"}, {Code: "610628", Name: "富县"},
		{Code: "610629", Name: "洛川县"}, {Code: "610630", Name: "宜川县"}, {Code: "610631", Name: "黄龙县"},
		{Code: "610632", Name: "黄陵县"},
	}
	more := []Region{{Code: "610800000000", Name: "榆林市"}, {Code: "610700000000", Name: "汉中市"},
		{Code: "610100000000", Name: "西安市"}, {Code: "610300000000", Name: "宝鸡市"}, {Code: "610500000000", Name: "渭南市"}}
	c := City{
		Province: Region{Code: "610000000000", Name: "陕西省", Level: "province"},
		City:     Region{Code: "610600000000", Name: "延安市", Level: "city", Parent: "610000000000"},
	}
	for i := range n {
		var r Region
		parent := c.City.Code
		switch {
		case i < len(known):
			r = known[i]
		case i < len(known)+60:
			r = Region{Code: fmt.Sprintf("6106%02d", 33+i-len(known)), Name: fmt.Sprintf("第%d县", i+1)}
		default:
			k := (i - len(known) - 60) / 60
			if k >= len(more) {
				panic(fmt.Sprintf("yanAn: at most %d counties", len(known)+60*(1+len(more))))
			}
			city := more[k]
			if len(c.More) == k {
				city.Level, city.Parent = "city", c.Province.Code
				c.More = append(c.More, city)
			}
			parent = city.Code
			r = Region{Code: city.Code[:4] + fmt.Sprintf("%02d", 33+(i-len(known)-60)%60), Name: fmt.Sprintf("第%d县", i+1)}
		}
		r.Code += "000000"
		r.Level, r.Parent = "county", parent
		c.Counties = append(c.Counties, r)
	}
	return c
}

// maxCounties is the most counties yanAn lays out.
const maxCounties = 10 + 60*6

var (
	townshipNames = []string{"石堡", "白马滩", "瓦子街", "界头庙", "三岔", "崾崄", "红石峡", "柳林", "交口", "安河",
		"郑庄", "雷赤", "黑家堡", "七里村", "罗子山", "张家滩", "永坪", "贾家坪", "文安驿", "桥镇", "旦八", "金丁"}
	villageNames = []string{"王家沟", "李家塬", "张家河", "刘家坪", "高家庄", "马家湾", "杨家岭", "南沟", "北塬", "东峪",
		"西坪", "前进", "红旗", "新庄", "庙湾", "柳树沟", "枣林", "桃园", "杏子川", "槐树庄", "白家岔", "康家塬", "郭家洼",
		"薛家寨", "冯家坡", "石家河", "何家畔", "任家台", "宋家川", "贺家湾", "寺沟", "芦草沟", "后河", "阳坡", "双庙"}
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
		"何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "程", "曹", "袁", "邓", "许", "傅",
		"沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余", "潘", "杜", "戴", "夏",
		"钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊", "金", "陆", "郝", "孔", "白", "崔",
		"康", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙", "万", "段", "雷", "钱", "汤", "尹", "黎", "易",
		"常", "武", "乔", "贺", "赖", "龚", "文", "拓", "惠", "艾", "折", "呼"}
	givenNames = []string{"建国", "秀英", "桂兰", "志强", "海燕", "红梅", "军", "伟", "芳", "娜", "敏", "静", "丽", "强",
		"磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "文华", "玉兰", "玉梅",
		"建华", "建军", "春梅", "国华", "小平", "爱国", "卫东", "振华", "治国", "永强", "丽娟", "海军", "金花", "德明",
		"宏伟", "俊杰", "晓东", "彩霞", "成林", "满仓", "粮全", "富贵", "丰收", "耀武", "兰英", "凤琴", "延生", "宝山"}
	cooperativeTrades = []string{"种植", "果业", "养殖", "农机", "蔬菜", "小杂粮", "苹果", "中药材", "养蜂", "土地股份"}
	enterpriseTrades  = []string{"农业科技", "农业发展", "生态农业", "果业", "农产品", "现代农业", "农机服务"}
	fieldNames        = []string{"东坡地", "西沟台地", "河滩地", "塬上地", "后山梁", "前坪", "南洼", "北岭", "老庄基", "大田",
		"沟掌地", "峁顶", "川道地", "果园", "坝地", "梯田"}
	mobilePrefixes = []string{"133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
		"158", "159", "173", "177", "180", "181", "182", "183", "186", "187", "188", "189", "191", "199"}
)

// creditAlphabet is the alphabet of GB 32100 credit codes.
const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCode completes prefix (two characters), the six-digit division code and a nine-character
// organisation code with its check character.
func creditCode(prefix, division, org string) string {
	first17 := prefix + division + org
	c, err := ident.CreditCodeCheckChar(first17)
	if err != nil {
		panic(fmt.Sprintf("credit code %q: %v", first17, err))
	}
	return first17 + string(c)
}

// orgCode is a nine-character organisation code made of "MA" and the base-31 digits of n.
func orgCode(n uint64) string {
	b := []byte("MA0000000")
	for i := len(b) - 1; i >= 2 && n > 0; i-- {
		b[i] = creditAlphabet[n%31]
		n /= 31
	}
	return string(b)
}

func personName(r *rand.Rand) string {
	return surnames[r.IntN(len(surnames))] + givenNames[r.IntN(len(givenNames))]
}

func mobile(r *rand.Rand) string {
	return fmt.Sprintf("%s%08d", mobilePrefixes[r.IntN(len(mobilePrefixes))], r.IntN(100_000_000))
}

func trim(name, suffix string) string { return strings.TrimSuffix(name, suffix) }

// NewWorld lays out the region tree of city with sizes.Counties counties, one collective per village, and
// spreads sizes.Farms farms over the collectives, bigger villages getting more.
func NewWorld(seed uint64, city City, sizes Sizes) *World {
	w := &World{Seed: seed, Sizes: sizes}
	r := rowRand(seed, saltTree, 0)
	w.Regions = append(w.Regions, city.Province, city.City)
	w.Regions = append(w.Regions, city.More...)
	for _, county := range city.Counties[:sizes.Counties] {
		w.Regions = append(w.Regions, county)
		w.Counties = append(w.Counties, county)
		for t := range sizes.TownshipsPerCounty {
			name := townshipNames[(t*7+len(w.Townships))%len(townshipNames)] + "镇"
			town := Region{Code: county.Code[:6] + fmt.Sprintf("%03d", 100+t) + "000", Name: name, Level: "township", Parent: county.Code}
			w.Regions = append(w.Regions, town)
			w.Townships = append(w.Townships, town)
			villages := max(1, sizes.VillagesPerTownship-2+r.IntN(5))
			for v := range villages {
				vil := Region{Code: town.Code[:9] + fmt.Sprintf("%03d", 200+v),
					Name: villageNames[r.IntN(len(villageNames))] + "村", Level: "village", Parent: town.Code}
				w.Regions = append(w.Regions, vil)
				w.Collectives = append(w.Collectives, Collective{ID: int64(len(w.Collectives) + 1),
					CountyCode: county.Code[:6], CountyIndex: len(w.Counties) - 1, Village: vil, Township: town, County: county})
			}
		}
	}
	// Each village gets a weight from 1 to 20; farms pick villages in proportion, interleaved as they register.
	wr := rowRand(seed, saltWeights, 0)
	cum := make([]int, len(w.Collectives))
	total := 0
	for i := range cum {
		total += 1 + wr.IntN(20)
		cum[i] = total
	}
	w.farmCollective = make([]int32, sizes.Farms)
	for k := range w.farmCollective {
		x := int(mix(seed, saltAssign, k) % uint64(total))
		w.farmCollective[k] = int32(sort.SearchInts(cum, x+1))
	}
	w.layOutProviders()
	w.layOutContracts()
	return w
}

// FarmSpec is a generated farm before its personal data is sealed.
type FarmSpec struct {
	ID                 int64
	Collective         *Collective
	Kind               string
	Name, Operator     string
	IDNumber, Phone    string
	RegisteredOn       *time.Time
	CreditCode         *string
	DemonstrationLevel string
	BusinessModels     []string
	OperatedAreaCents  int64 // 0: none
	CreatedAt          time.Time
}

// epoch is when the generated registrations start; they span two years from it.
var epoch = time.Date(2023, 3, 1, 8, 0, 0, 0, time.FixedZone("CST", 8*3600))

const span = 2 * 365 * 24 * time.Hour

// spread places item i of n evenly over the two years after epoch.
func spread(i, n int) time.Time {
	return epoch.Add(time.Duration(int64(span) / int64(max(n, 1)) * int64(i)))
}

// IDNumber is the resident ID number of farm index k (0-based): the county's code, a birth date from
// 1950 to 1999 and a sequence number, so that every farm's number differs (up to 18 million farms).
func (w *World) IDNumber(k int) string {
	const days = 18262 // 1950-01-01 … 1999-12-31; coprime with 7, so 7k mod days visits every day
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 7*k%days)
	first17 := w.Collectives[w.farmCollective[k]].CountyCode + birth.Format("20060102") + fmt.Sprintf("%03d", k/days)
	c, err := ident.IDCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

// Farm returns farm index k (id k+1).
func (w *World) Farm(k int) FarmSpec {
	r := rowRand(w.Seed, saltFarm, k)
	col := &w.Collectives[w.farmCollective[k]]
	operator, phone, x := farmHead(r)
	f := FarmSpec{ID: int64(k + 1), Collective: col, Operator: operator, IDNumber: w.IDNumber(k), Phone: phone,
		DemonstrationLevel: "none", CreatedAt: spread(k, w.Sizes.Farms)}
	village := trim(col.Village.Name, "村")
	county := trim(col.County.Name, "县")
	org := func(prefix string) *string {
		c := creditCode(prefix, col.CountyCode, orgCode(uint64(k)*7919+uint64(r.IntN(7919))))
		return &c
	}
	switch {
	case x < 80:
		f.Kind, f.Name = "household", f.Operator
	case x < familyFarms:
		f.Kind = farm.KindFamilyFarm
		f.Name = trim(col.Township.Name, "镇") + village + f.Operator + "家庭农场"
		reg := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(3650))
		f.RegisteredOn = &reg
		f.OperatedAreaCents = 5000 + r.Int64N(45000)
		if r.IntN(10) < 8 {
			f.CreditCode = org("92")
		}
		switch y := r.IntN(1000); {
		case y < 700:
		case y < 900:
			f.DemonstrationLevel = "county"
		case y < 970:
			f.DemonstrationLevel = "city"
		case y < 995:
			f.DemonstrationLevel = "province"
		default:
			f.DemonstrationLevel = "national"
		}
		models := []string{farm.BusinessModels[r.IntN(len(farm.BusinessModels))]}
		if r.IntN(3) == 0 {
			models = append(models, farm.BusinessModels[r.IntN(len(farm.BusinessModels))])
		}
		f.BusinessModels = slices.Compact(slices.Sorted(slices.Values(models)))
	case x < 95:
		f.Kind = "cooperative"
		f.Name = county + village + cooperativeTrades[r.IntN(len(cooperativeTrades))] + "专业合作社"
		f.CreditCode = org("93")
	default:
		f.Kind = "enterprise"
		f.Name = "延安" + village + enterpriseTrades[r.IntN(len(enterpriseTrades))] + "有限公司"
		f.CreditCode = org("91")
	}
	return f
}

// farmHead are the first draws of a farm's stream: its operator's name, its phone and the draw its kind
// is taken from (below 80 a household, below familyFarms a family farm).
func farmHead(r *rand.Rand) (operator, phone string, kind int) {
	operator, phone = personName(r), mobile(r)
	return operator, phone, r.IntN(100)
}

const familyFarms = 85

// familyFarm reports whether farm index k is a family farm, without drawing the rest of it.
func (w *World) familyFarm(k int) bool {
	_, _, x := farmHead(rowRand(w.Seed, saltFarm, k))
	return x >= 80 && x < familyFarms
}

// FarmOfParcel is the farm index that parcel index j belongs to: each farm holds about Parcels/Farms of them,
// registered together.
func (w *World) FarmOfParcel(j int) int {
	return int(int64(j) * int64(w.Sizes.Farms) / int64(w.Sizes.Parcels))
}

// ParcelSpec is a generated parcel.
type ParcelSpec struct {
	ID                  int64
	FarmIndex           int
	Code                *string
	Name                string
	AreaCents           int64
	LandType            string
	CertificateNo       *string
	Boundary            []byte
	MeasuredArea        *num.Dec2
	AreaMismatch        bool
	CreatedAt           time.Time
	CountyCode, Village string
	CollectiveID        int64
}

// Parcel returns parcel index j (id j+1). One in ten has a drawn boundary, a fifth of those off the declared
// area by 8 to 25 %, so that the service's own measure flags them.
func (w *World) Parcel(j int) (ParcelSpec, error) {
	r := rowRand(w.Seed, saltParcel, j)
	k := w.FarmOfParcel(j)
	col := &w.Collectives[w.farmCollective[k]]
	field, number, area, land := parcelDraws(r)
	p := ParcelSpec{ID: int64(j + 1), FarmIndex: k, CountyCode: col.CountyCode, Village: col.Village.Code, CollectiveID: col.ID,
		Name: fmt.Sprintf("%s%d号", fieldNames[field], number), AreaCents: area, LandType: land,
		CreatedAt: spread(j, w.Sizes.Parcels)}
	if r.IntN(10) < 7 {
		code := col.Village.Code + fmt.Sprintf("%07d", j+1)
		p.Code = &code
	}
	if mix(w.Seed, saltCertificate, k)%10 < 6 {
		cert := fmt.Sprintf("%s2018%07dJ", col.CountyCode, k+1)
		p.CertificateNo = &cert
	}
	if r.IntN(10) == 0 {
		factor := int64(100)
		if r.IntN(5) == 0 {
			factor = 108 + r.Int64N(18)
			if r.IntN(2) == 0 {
				factor = 200 - factor
			}
		}
		b, err := rectangle(col.CountyIndex, r, p.AreaCents*factor/100)
		if err != nil {
			return p, fmt.Errorf("parcel %d boundary: %w", p.ID, err)
		}
		m := num.Round2(b.AreaMu())
		p.Boundary, p.MeasuredArea = b.JSON(), &m
		p.AreaMismatch = geo.AreaMismatch(decimal.New(p.AreaCents, -2), m.Decimal())
	}
	return p, nil
}

// rectangle is a field of about cents/100 mu in the county's part of the loess plateau, drawn in whole
// micro-degrees: 400 µ° of latitude (about 44.4 m) by as many µ° of longitude as the area needs (about
// 0.0904 m each at 35.7° N).
func rectangle(county int, r *rand.Rand, cents int64) (geo.Boundary, error) {
	lon := int64(108_500_000) + int64(county%5)*200_000 + r.Int64N(150_000)
	lat := int64(35_500_000) + int64(county/5)*200_000 + r.Int64N(150_000)
	const h = 400
	wide := max(1, cents*20*10_000/(3*40_110)) // m² = cents × 20 / 3; one µ° × 400 µ° ≈ 4.011 m²
	deg := func(micro int64) string { return fmt.Sprintf("%d.%06d", micro/1_000_000, micro%1_000_000) }
	pt := func(x, y int64) string { return "[" + deg(x) + "," + deg(y) + "]" }
	doc := `{"type":"Polygon","coordinates":[[` + strings.Join([]string{pt(lon, lat), pt(lon+wide, lat),
		pt(lon+wide, lat+h), pt(lon, lat+h), pt(lon, lat)}, ",") + `]]}`
	return geo.ParseBoundary([]byte(doc))
}

// parcelDraws are the first draws of a parcel's stream: its name's field and number, its area (0.50 to
// 30.00 mu, most of them small) and its land type.
func parcelDraws(r *rand.Rand) (field, number int, areaCents int64, landType string) {
	field, number = r.IntN(len(fieldNames)), 1+r.IntN(12)
	areaCents = 50 + r.Int64N(500) + r.Int64N(500)*r.Int64N(6)
	switch x := r.IntN(100); {
	case x < 60:
		landType = "dry"
	case x < 78:
		landType = "irrigated"
	case x < 80:
		landType = "paddy"
	case x < 97:
		landType = "orchard"
	default:
		landType = "other"
	}
	return field, number, areaCents, landType
}

// parcelLand is the area and land type of parcel index j.
func (w *World) parcelLand(j int) (areaCents int64, landType string) {
	_, _, areaCents, landType = parcelDraws(rowRand(w.Seed, saltParcel, j))
	return areaCents, landType
}

// ProviderSpec is a generated service provider before its personal data is sealed.
type ProviderSpec struct {
	ID                     int64
	County                 int // index in World.Counties
	Kind, Name, CreditCode string
	Region                 string
	Offers                 []string // operation types, in the order of a season's work
	Machines               []string
	MachineCounts          []int
	Contact, Phone         string
	Status                 string
	CreatedAt              time.Time
}

var (
	providerKinds    = []string{"cooperative", "company", "family_farm", "machinery_team", "individual"}
	providerPrefixes = map[string]string{"cooperative": "93", "company": "91", "family_farm": "92", "machinery_team": "93"}
	providerSuffixes = map[string]string{"cooperative": "农机专业合作社", "company": "农业服务有限公司", "family_farm": "家庭农场",
		"machinery_team": "农机服务队", "individual": ""}
	machineTypes = []string{"拖拉机", "播种机", "植保无人机", "联合收割机", "旋耕机", "秸秆打捆机"}
)

// Provider returns provider index i (id i+1). Providers belong to the counties in turn; within a county the
// kinds alternate. Cooperatives, companies and machinery teams offer every operation of full custody and
// some more; family farms and individuals a few. The first provider of each county is never suspended.
func (w *World) Provider(i int) ProviderSpec {
	r := rowRand(w.Seed, saltProvider, i)
	n := len(w.Counties)
	p := ProviderSpec{ID: int64(i + 1), County: i % n, Kind: providerKinds[(i/n+i%n)%len(providerKinds)], Status: "active",
		CreatedAt: epoch.Add(time.Duration(i) * 24 * time.Hour)}
	county := w.Counties[p.County]
	p.Region = county.Code
	if r.IntN(2) == 0 {
		p.Region = w.Townships[r.IntN(len(w.Townships))].Code
		if p.Region[:6] != county.Code[:6] {
			p.Region = county.Code
		}
	}
	p.Contact = personName(r)
	p.Name = trim(county.Name, "县") + p.Contact + providerSuffixes[p.Kind]
	if p.Kind == "individual" {
		p.Name = p.Contact
	}
	if prefix, ok := providerPrefixes[p.Kind]; ok {
		p.CreditCode = creditCode(prefix, p.Region[:6], orgCode(uint64(1_000_000+i)))
	}
	full := p.Kind == "cooperative" || p.Kind == "company" || p.Kind == "machinery_team"
	for _, o := range synth.Operations {
		if r.IntN(3) == 0 || (full && slices.Contains(synth.FullCustody, o.Name)) {
			p.Offers = append(p.Offers, o.Name)
		}
	}
	if len(p.Offers) == 0 {
		p.Offers = []string{"ploughing"}
	}
	for k := range 1 + r.IntN(3) {
		p.Machines = append(p.Machines, machineTypes[(i+k)%len(machineTypes)])
		p.MachineCounts = append(p.MachineCounts, 1+r.IntN(20))
	}
	p.Phone = mobile(r)
	if r.IntN(10) == 0 && i >= n {
		p.Status = "suspended"
	}
	return p
}

// offersAll reports whether p offers every operation type of ops.
func (p ProviderSpec) offersAll(ops []string) bool {
	for _, op := range ops {
		if !slices.Contains(p.Offers, op) {
			return false
		}
	}
	return true
}

// layOutProviders lists each county's active providers, and those offering full custody.
func (w *World) layOutProviders() {
	w.countyProviders = make([][]int, len(w.Counties))
	w.fullProviders = make([][]int, len(w.Counties))
	w.providers = make([]ProviderSpec, w.Sizes.Providers)
	for i := range w.Sizes.Providers {
		p := w.Provider(i)
		w.providers[i] = p
		if p.Status != "active" {
			continue
		}
		w.countyProviders[p.County] = append(w.countyProviders[p.County], i)
		if p.offersAll(synth.FullCustody) {
			w.fullProviders[p.County] = append(w.fullProviders[p.County], i)
		}
	}
}
