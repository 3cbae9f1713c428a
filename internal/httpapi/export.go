package httpapi

import (
	"context"
	"io"
	"mime"
	"net/url"
	"strings"

	"github.com/tuoguan/tuoguan/internal/num"
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

// export streams t through write on a pipe, so the response goes out as it is written, and returns the body
// and its Content-Disposition (a Chinese file name needs filename*).
func export(t sheet.Table, write func(io.Writer, sheet.Table) error, ext string) (io.Reader, *string) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw, t)) }()
	name := t.Name + "." + ext
	disp := `attachment; filename="tuoguan-stats.` + ext + `"; filename*=UTF-8''` + url.PathEscape(name)
	return pr, &disp
}

// figureColumns are the columns of PRODUCT §2's figures, in the order the tables show them.
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

// groupTable is a table of rows of figures keyed by keyEN, with a column of delivered area per operation type.
func groupTable(name, keyEN, keyZH string, rows []stats.Row, w stats.Weights) sheet.Table {
	ops := opTypes(rows)
	cols := append([]sheet.Column{{ZH: keyZH, EN: keyEN}, {ZH: "名称", EN: "name"}}, figureColumns...)
	for _, op := range ops {
		cols = append(cols, sheet.Column{ZH: "服务面积", EN: op, Kind: sheet.Decimal})
	}
	return sheet.Table{Name: name, Columns: cols, Rows: func(yield func([]sheet.Cell) bool) {
		for _, r := range rows {
			cells := append([]sheet.Cell{sheet.T(r.Key), sheet.T(r.Name)}, figureCells(r.Totals, w)...)
			for _, op := range ops {
				a := num.Round2(r.Totals.ServiceAreaByOp[op])
				cells = append(cells, sheet.D(&a))
			}
			if !yield(cells) {
				return
			}
		}
	}}
}

// familyTable lists the family-farm counts: the total, then each breakdown.
func familyTable(rep stats.FamilyReport) sheet.Table {
	cols := []sheet.Column{{ZH: "维度", EN: "dimension"}, {ZH: "代码", EN: "key"}, {ZH: "名称", EN: "name"},
		{ZH: "家庭农场数", EN: "family_farms", Kind: sheet.Integer}, {ZH: "经营面积(亩)", EN: "operated_area_mu", Kind: sheet.Decimal}}
	return sheet.Table{Name: rep.Region.Name + "家庭农场统计", Columns: cols, Rows: func(yield func([]sheet.Cell) bool) {
		row := func(dim string, c stats.FamilyCount) bool {
			a := roundArea(c)
			return yield([]sheet.Cell{sheet.T(dim), sheet.T(c.Key), sheet.T(c.Name), sheet.I(c.Farms), sheet.D(&a)})
		}
		total := rep.Total
		total.Key, total.Name = rep.Region.Code, rep.Region.Name
		if !row("total", total) {
			return
		}
		for _, part := range []struct {
			dim string
			cs  []stats.FamilyCount
		}{{"township", rep.ByTownship}, {"demonstration_level", rep.ByDemonstrationLevel}, {"business_model", rep.ByBusinessModel}} {
			for _, c := range part.cs {
				if !row(part.dim, c) {
					return
				}
			}
		}
	}}
}

func roundArea(c stats.FamilyCount) num.Dec2 { return num.Round2(c.AreaMu) }
