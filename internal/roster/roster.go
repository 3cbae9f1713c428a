// Package roster brings a village's yearly roster (花名册) in: the farms or the parcels of a CSV file, as
// clerks keep them in Excel, upserted row by row through the farm and parcel services — a farm matched by
// its operator's ID number within its collective, a parcel by its code within its farm (by its name there
// when the row gives no code). Rows that match and change nothing are left alone. The web's import and the
// `tuoguan import` command both come here.
package roster

import (
	"bytes"
	"context"
	"errors"
	"slices"

	"gorm.io/gorm"

	"github.com/tuoguan/tuoguan/internal/farm"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/ident"
	"github.com/tuoguan/tuoguan/internal/parcel"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// What befell a row.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Refused   = "refused"
)

// The kinds of file.
const (
	Farms   = "farms"
	Parcels = "parcels"
)

// Row is what befell one data row of the file: its line, its status, the farm or parcel it made or matched
// (0 when refused), and why it was refused. Messages never quote an ID or phone number in clear.
type Row struct {
	Row    int                `json:"row"`
	Status string             `json:"status"`
	ID     int64              `json:"id,omitempty"`
	Errors []fault.FieldError `json:"errors,omitempty"`
}

// Result counts the rows by status and lists them in file order.
type Result struct {
	Created, Updated, Unchanged, Refused int
	Rows                                 []Row
}

// Options are an import's choices: a dry run writes nothing; Collective is the collective of farm rows that
// leave collective_id empty (a collective's own account needs none).
type Options struct {
	DryRun     bool
	Collective int64
}

// Service imports rosters.
type Service struct {
	db   *gorm.DB
	keys *pii.Keyring
}

// NewService returns a Service over db that seals personal data with keys.
func NewService(db *gorm.DB, keys *pii.Keyring) *Service { return &Service{db: db, keys: keys} }

// Columns are the columns of each kind of file, in the template's order.
var Columns = map[string][]string{
	Farms: {"kind", "name", "operator_name", "id_number", "phone", "collective_id", "registered_on",
		"credit_code", "demonstration_level", "business_models", "operated_area_mu"},
	Parcels: {"farm_id", "name", "area_mu", "land_type", "code", "certificate_no"},
}

// errDryRun rolls back the transaction of a dry run.
var errDryRun = errors.New("dry run")

// Import reads a file of kind (Farms or Parcels) and upserts its rows as p: a collective into its own
// village, admin anywhere; other roles are Forbidden. A file that cannot be read, or whose header is wrong,
// is Malformed and nothing is written. A dry run checks every row in a transaction that is rolled back, so
// later rows see earlier ones and nothing is kept.
func (s *Service) Import(ctx context.Context, p scope.Principal, kind string, data []byte, o Options) (Result, error) {
	if p.Role != scope.Admin && p.Role != scope.Collective {
		return Result{}, fault.Forbiddenf("Only collectives and admin import rosters.")
	}
	var sh sheet
	switch kind {
	case Farms:
		coll := o.Collective
		if p.Role == scope.Collective {
			coll = p.CollectiveID
		}
		sh = farmSheet(coll, coll == 0)
	case Parcels:
		sh = parcelSheet()
	default:
		return Result{}, fault.Malformedf("", "Import farms or parcels.")
	}
	rows, err := parse(data, sh)
	if err != nil {
		return Result{}, err
	}
	var res Result
	load := func(db *gorm.DB) error {
		res = Result{Rows: make([]Row, 0, len(rows))}
		t := targets{db: db, keys: s.keys, farms: farm.NewService(db, s.keys), parcels: parcel.NewService(db)}
		for _, r := range rows {
			status, id, err := sh.upsert(ctx, t, p, r)
			out := Row{Row: r.line, Status: status, ID: id}
			if err != nil {
				fe := fault.As(err)
				if fe == nil {
					return err
				}
				out.Status, out.ID = Refused, 0
				out.Errors = refusal(fe, sh.conflictField, r)
			}
			switch out.Status {
			case Created:
				res.Created++
			case Updated:
				res.Updated++
			case Unchanged:
				res.Unchanged++
			case Refused:
				res.Refused++
			}
			res.Rows = append(res.Rows, out)
		}
		return nil
	}
	if !o.DryRun {
		return res, load(s.db.WithContext(ctx))
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := load(tx); err != nil {
			return err
		}
		return errDryRun
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// refusal is what a refused row is told: each field at fault, or the error's message on the field a clash
// is about (conflictField), with ID and phone numbers masked.
func refusal(e *fault.Error, conflictField string, r *row) []fault.FieldError {
	if len(e.Fields) == 0 {
		field := "row"
		if e.Kind == fault.Conflict {
			field = conflictField
		}
		return []fault.FieldError{{Field: field, Message: r.redact(e.Message)}}
	}
	out := make([]fault.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = fault.FieldError{Field: f.Field, Message: r.redact(f.Message)}
	}
	return out
}

// targets are the services a row is written through, over the database or a dry run's transaction.
type targets struct {
	db      *gorm.DB
	keys    *pii.Keyring
	farms   *farm.Service
	parcels *parcel.Service
}

// sheet describes what one kind of file holds and how a row of it is upserted.
type sheet struct {
	noun          string
	columns       []string
	required      []string
	conflictField string
	upsert        func(ctx context.Context, t targets, p scope.Principal, r *row) (status string, id int64, err error)
}

// farmSheet reads farms; coll is the collective of rows that leave collective_id empty, and needColl says
// that the file must then have the column.
func farmSheet(coll int64, needColl bool) sheet {
	required := []string{"kind", "name", "operator_name", "id_number", "phone"}
	if needColl {
		required = append(required, "collective_id")
	}
	return sheet{
		noun: "farm", columns: Columns[Farms], required: required, conflictField: "id_number",
		upsert: func(ctx context.Context, t targets, p scope.Principal, r *row) (string, int64, error) {
			in := farm.Input{
				Kind: r.text("kind"), Name: r.text("name"), OperatorName: r.text("operator_name"),
				IDNumber: r.text("id_number"), Phone: r.text("phone"), CollectiveID: r.id("collective_id"),
				RegisteredOn: r.date("registered_on"), CreditCode: r.text("credit_code"),
				DemonstrationLevel: r.text("demonstration_level"), BusinessModels: r.list("business_models"),
				OperatedAreaMu: r.dec2("operated_area_mu"),
			}
			if in.CollectiveID == nil && coll != 0 && !r.errs.Has("collective_id") {
				in.CollectiveID = &coll
			}
			if err := r.errs.Err(); err != nil {
				return Refused, 0, err
			}
			if in.IDNumber != nil && in.CollectiveID != nil {
				var found []farm.Farm
				err := farm.Visible(t.db.WithContext(ctx), p).
					Where("farms.collective_id = ? AND farms.id_number_mac = ?", *in.CollectiveID,
						t.keys.Lookup(pii.KindIDNumber, pii.NormalizeIDNumber(*in.IDNumber))).
					Limit(1).Find(&found).Error
				if err != nil {
					return "", 0, err
				}
				if len(found) == 1 {
					ch, differs := farmChanges(found[0], in, t.keys)
					if !differs {
						return Unchanged, found[0].ID, nil
					}
					f, err := t.farms.Update(ctx, p, found[0].ID, ch)
					return Updated, f.ID, err
				}
			}
			f, err := t.farms.Create(ctx, p, in)
			return Created, f.ID, err
		},
	}
}

// farmChanges is what of in differs from f, and whether anything does.
func farmChanges(f farm.Farm, in farm.Input, keys *pii.Keyring) (farm.Input, bool) {
	var ch farm.Input
	changed := false
	set := func(differs bool, apply func()) {
		if differs {
			apply()
			changed = true
		}
	}
	if in.Kind != nil {
		set(*in.Kind != f.Kind, func() { ch.Kind = in.Kind })
	}
	if in.Name != nil {
		set(*in.Name != f.Name, func() { ch.Name = in.Name })
	}
	if in.OperatorName != nil {
		set(*in.OperatorName != f.OperatorName, func() { ch.OperatorName = in.OperatorName })
	}
	if in.Phone != nil {
		set(!bytes.Equal(keys.Lookup(pii.KindPhone, pii.NormalizePhone(*in.Phone)), f.PhoneMAC), func() { ch.Phone = in.Phone })
	}
	if in.RegisteredOn != nil {
		set(f.RegisteredOn == nil || f.RegisteredOn.Format("2006-01-02") != in.RegisteredOn.Format("2006-01-02"),
			func() { ch.RegisteredOn = in.RegisteredOn })
	}
	if in.CreditCode != nil {
		set(f.CreditCode == nil || *f.CreditCode != ident.NormalizeCreditCode(*in.CreditCode), func() { ch.CreditCode = in.CreditCode })
	}
	if in.DemonstrationLevel != nil {
		set(*in.DemonstrationLevel != f.DemonstrationLevel, func() { ch.DemonstrationLevel = in.DemonstrationLevel })
	}
	if in.BusinessModels != nil {
		models := slices.Compact(slices.Sorted(slices.Values(*in.BusinessModels)))
		set(!slices.Equal(models, []string(f.BusinessModels)), func() { ch.BusinessModels = in.BusinessModels })
	}
	if in.OperatedAreaMu != nil {
		set(f.OperatedAreaMu == nil || f.OperatedAreaMu.Cmp(*in.OperatedAreaMu) != 0, func() { ch.OperatedAreaMu = in.OperatedAreaMu })
	}
	return ch, changed
}

func parcelSheet() sheet {
	return sheet{
		noun: "parcel", columns: Columns[Parcels], required: []string{"farm_id", "name", "area_mu", "land_type"},
		conflictField: "code",
		upsert: func(ctx context.Context, t targets, p scope.Principal, r *row) (string, int64, error) {
			in := parcel.Input{
				FarmID: r.id("farm_id"), Name: r.text("name"), AreaMu: r.dec2("area_mu"), LandType: r.text("land_type"),
				Code: r.text("code"), CertificateNo: r.text("certificate_no"),
			}
			if err := r.errs.Err(); err != nil {
				return Refused, 0, err
			}
			if in.FarmID != nil && (in.Code != nil || in.Name != nil) {
				q := parcel.Visible(t.db.WithContext(ctx), p).Where("parcels.farm_id = ?", *in.FarmID)
				if in.Code != nil {
					q = q.Where("parcels.code = ?", *in.Code)
				} else {
					q = q.Where("parcels.name = ? AND parcels.code IS NULL", *in.Name)
				}
				var found []parcel.Parcel
				if err := q.Order("parcels.id").Limit(2).Find(&found).Error; err != nil {
					return "", 0, err
				}
				if len(found) == 1 {
					ch, differs := parcelChanges(found[0], in)
					if !differs {
						return Unchanged, found[0].ID, nil
					}
					pc, err := t.parcels.Update(ctx, p, found[0].ID, ch)
					return Updated, pc.ID, err
				}
			}
			pc, err := t.parcels.Create(ctx, p, in)
			return Created, pc.ID, err
		},
	}
}

// parcelChanges is what of in differs from pc, and whether anything does.
func parcelChanges(pc parcel.Parcel, in parcel.Input) (parcel.Input, bool) {
	var ch parcel.Input
	changed := false
	if in.Name != nil && *in.Name != pc.Name {
		ch.Name, changed = in.Name, true
	}
	if in.AreaMu != nil && in.AreaMu.Cmp(pc.AreaMu) != 0 {
		ch.AreaMu, changed = in.AreaMu, true
	}
	if in.LandType != nil && *in.LandType != pc.LandType {
		ch.LandType, changed = in.LandType, true
	}
	if in.CertificateNo != nil && (pc.CertificateNo == nil || *pc.CertificateNo != *in.CertificateNo) {
		ch.CertificateNo, changed = in.CertificateNo, true
	}
	return ch, changed
}
