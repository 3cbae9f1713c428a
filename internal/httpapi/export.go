package httpapi

import (
	"context"
	"io"
	"mime"
	"net/url"
	"strings"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/num"
	"github.com/tuoguan/tuoguan/internal/reference"
	"github.com/tuoguan/tuoguan/internal/sheet"
	"github.com/tuoguan/tuoguan/internal/stats"
)

// The representations a statistics endpoint answers in.
const (
	formatJSON = "json"
	formatCSV  = "csv"
	formatXLSX = "xlsx"
)

const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

type acceptKey struct{}

func withAccept(ctx context.Context, accept string) context.Context {
	return context.WithValue(ctx, acceptKey{}, accept)
}

// format chooses the representation: the format parameter when given, otherwise the first of CSV and Excel
// that the Accept header names, otherwise JSON.
func format[F ~string](ctx context.Context, param *F) string {
	if param != nil {
		return string(*param)
	}
	accept, _ := ctx.Value(acceptKey{}).(string)
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		switch {
		case err != nil:
		case mt == "text/csv":
			return formatCSV
		case mt == mimeXLSX:
			return formatXLSX
		}
	}
	return formatJSON
}

// sheetAnswer is the spreadsheet answer of an operation when the request asks for CSV or Excel (format):
// table builds the table, and csv or xlsx wraps its streamed body and Content-Disposition in the operation's
// generated response. ok is false when the request asks for JSON.
func sheetAnswer[R any, F ~string](ctx context.Context, param *F, table func() (sheet.Table, error), csv, xlsx func(io.Reader, *string) R) (r R, ok bool, err error) {
	f := format(ctx, param)
	if f != formatCSV && f != formatXLSX {
		return r, false, nil
	}
	t, err := table()
	if err != nil {
		return r, true, err
	}
	if f == formatXLSX {
		return xlsx(export(t, sheet.WriteXLSX, "xlsx")), true, nil
	}
	return csv(export(t, sheet.WriteCSV, "csv")), true, nil
}

// export streams t through write on a pipe, so the response goes out as it is written, and returns the body
// and its Content-Disposition (a Chinese file name needs filename*).
func export(t sheet.Table, write func(io.Writer, sheet.Table) error, ext string) (io.Reader, *string) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw, t)) }()
	name := t.Name + "." + ext
	disp := `attachment; filename="tuoguan-stats.` + ext + `"; filename*=UTF-8''` + url.PathEscape(name)
	return pr, &disp
}

// figureColumns are the columns of docs/figures.md's figures, in the order the tables show them.
var figureColumns = []sheet.Column{
	{ZH: "合同数", EN: "contracts", Kind: sheet.Integer},
	{ZH: "服务农户数", EN: "farms", Kind: sheet.Integer},
	{ZH: "其中小农户", EN: "households", Kind: sheet.Integer},
	{ZH: "服务主体数", EN: "providers", Kind: sheet.Integer},
	{ZH: "托管面积(亩)", EN: "contracted_area_mu", Kind: sheet.Decimal},
	{ZH: "服务面积(亩次)", EN: "service_area_mu", Kind: sheet.Decimal},
	{ZH: "标准托管面积(亩)", EN: "standard_area_mu", Kind: sheet.Decimal},
	{ZH: "收获面积(亩)", EN: "harvested_area_mu", Kind: sheet.Decimal},
	{ZH: "总产量(公斤)", EN: "harvested_yield_kg", Kind: sheet.Decimal},
	{ZH: "亩产(公斤)", EN: "yield_per_mu", Kind: sheet.Decimal},
	{ZH: "农户支出(元)", EN: "farmer_cost", Kind: sheet.Decimal},
	{ZH: "亩均农户支出(元)", EN: "farmer_cost_per_mu", Kind: sheet.Decimal},
	{ZH: "自种成本(元)", EN: "baseline_cost", Kind: sheet.Decimal},
	{ZH: "亩均自种成本(元)", EN: "baseline_cost_per_mu", Kind: sheet.Decimal},
	{ZH: "节支(元)", EN: "cost_saving", Kind: sheet.Decimal},
	{ZH: "亩均节支(元)", EN: "cost_saving_per_mu", Kind: sheet.Decimal},
	{ZH: "增收(元)", EN: "income_gain", Kind: sheet.Decimal},
	{ZH: "亩均增收(元)", EN: "income_gain_per_mu", Kind: sheet.Decimal},
	{ZH: "节支增收(元)", EN: "benefit", Kind: sheet.Decimal},
	{ZH: "亩均节支增收(元)", EN: "benefit_per_mu", Kind: sheet.Decimal},
	{ZH: "补贴(元)", EN: "subsidy", Kind: sheet.Decimal},
	{ZH: "服务主体收入(元)", EN: "provider_revenue", Kind: sheet.Decimal},
	{ZH: "村集体收入(元)", EN: "collective_income", Kind: sheet.Decimal},
	{ZH: "待确认面积(亩次)", EN: "pending_area_mu", Kind: sheet.Decimal},
}

func figureCells(t stats.Totals, w stats.Weights) []sheet.Cell {
	f, c := t.Present(w), t.Counts()
	return []sheet.Cell{sheet.I(c.Contracts), sheet.I(c.Farms), sheet.I(c.Households), sheet.I(c.Providers),
		sheet.D(&f.ContractedAreaMu), sheet.D(&f.ServiceAreaMu), sheet.D(&f.StandardAreaMu), sheet.D(&f.HarvestedAreaMu),
		sheet.D(&f.HarvestedYieldKg), sheet.D(f.YieldPerMu), sheet.D(&f.FarmerCost), sheet.D(f.FarmerCostPerMu),
		sheet.D(&f.BaselineCost), sheet.D(f.BaselineCostPerMu), sheet.D(&f.CostSaving), sheet.D(f.CostSavingPerMu),
		sheet.D(&f.IncomeGain), sheet.D(f.IncomeGainPerMu), sheet.D(&f.Benefit), sheet.D(f.BenefitPerMu),
		sheet.D(&f.Subsidy), sheet.D(&f.ProviderRevenue), sheet.D(&f.CollectiveIncome), sheet.D(&f.PendingAreaMu)}
}

// groupTable is a table of rows of figures keyed by the column key, the first totals rows of them totals,
// with a column of delivered area per operation type, named in Chinese and ordered as in ops.
func groupTable(name string, key sheet.Column, rows []stats.Row, totals int, w stats.Weights, ops []reference.Item) sheet.Table {
	types := opTypes(rows, ops)
	zh := map[string]string{}
	for _, it := range ops {
		zh[it.Code] = it.NameZH
	}
	cols := append([]sheet.Column{key, {ZH: "名称", EN: "name"}}, figureColumns...)
	for _, op := range types {
		name := zh[op]
		if name == "" {
			name = op
		}
		// The service area (亩次) of each type, headed by the type's name: "耕整地(亩次)".
		cols = append(cols, sheet.Column{ZH: name + "(亩次)", EN: op, Kind: sheet.Decimal})
	}
	return sheet.Table{Name: name, Columns: cols, Totals: totals, Rows: func(yield func([]sheet.Cell) bool) {
		for _, r := range rows {
			cells := append([]sheet.Cell{sheet.T(r.Key), sheet.T(r.Name)}, figureCells(r.Totals, w)...)
			for _, op := range types {
				a := r.Totals.ServiceAreaByOp[op].Round2()
				cells = append(cells, sheet.D(&a))
			}
			if !yield(cells) {
				return
			}
		}
	}}
}

// groupKeys are the key columns of the region tables by grouping.
var groupKeys = map[stats.Grouping]sheet.Column{
	stats.ByNothing:    {ZH: "区划代码", EN: "key"},
	stats.ByTownship:   {ZH: "区划代码", EN: "key"},
	stats.ByCollective: {ZH: "村集体编号", EN: "key"},
	stats.ByCrop:       {ZH: "作物代码", EN: "key"},
	stats.ByOpType:     {ZH: "作业类型代码", EN: "key"},
}

// familyDimensions name the breakdowns of the family-farm table, and the names of their keys where the
// statistics give none.
var familyDimensions = []struct {
	code, zh string
	names    map[string]string
}{
	{"total", "合计", nil},
	{"township", "乡镇", nil},
	{"demonstration_level", "示范等级", farm.DemonstrationLevelNames},
	{"business_model", "经营模式", farm.BusinessModelNames},
}

// familyTable lists the family-farm counts: the total, then each breakdown, each named in Chinese beside
// its code.
func familyTable(rep stats.FamilyReport) sheet.Table {
	cols := []sheet.Column{{ZH: "分类", EN: "dimension_name"}, {ZH: "分类代码", EN: "dimension"}, {ZH: "名称", EN: "name"},
		{ZH: "代码", EN: "key"}, {ZH: "家庭农场数", EN: "family_farms", Kind: sheet.Integer},
		{ZH: "经营面积(亩)", EN: "operated_area_mu", Kind: sheet.Decimal}}
	total := rep.Total
	total.Key, total.Name = rep.Region.Code, rep.Region.Name
	parts := [][]stats.FamilyCount{{total}, rep.ByTownship, rep.ByDemonstrationLevel, rep.ByBusinessModel}
	return sheet.Table{Name: rep.Region.Name + "家庭农场统计", Columns: cols, Totals: 1, Rows: func(yield func([]sheet.Cell) bool) {
		for i, part := range parts {
			dim := familyDimensions[i]
			for _, c := range part {
				name := c.Name
				if n, ok := dim.names[c.Key]; ok && name == "" {
					name = n
				}
				a := roundArea(c)
				if !yield([]sheet.Cell{sheet.T(dim.zh), sheet.T(dim.code), sheet.T(name), sheet.T(c.Key), sheet.I(c.Farms), sheet.D(&a)}) {
					return
				}
			}
		}
	}}
}

func roundArea(c stats.FamilyCount) num.Dec2 { return num.Round2(c.AreaMu) }
