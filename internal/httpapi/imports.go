package httpapi

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan/api"
	"github.com/tuoguan/tuoguan/internal/fault"
	"github.com/tuoguan/tuoguan/internal/roster"
)

// csvOnly refuses an import whose body is not text/csv: the roster comes as the file Excel saves.
func csvOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
		if err != nil || mt != "text/csv" {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the roster as text/csv.")
		}
		return next(c)
	}
}

func (s *Server) ImportFarms(ctx context.Context, req api.ImportFarmsRequestObject) (api.ImportFarmsResponseObject, error) {
	res, err := s.importRoster(ctx, roster.Farms, req.Body, roster.Options{DryRun: deref(req.Params.DryRun), Collective: deref(req.Params.CollectiveId)})
	if err != nil {
		return nil, err
	}
	return api.ImportFarms200JSONResponse(res), nil
}

func (s *Server) ImportParcels(ctx context.Context, req api.ImportParcelsRequestObject) (api.ImportParcelsResponseObject, error) {
	res, err := s.importRoster(ctx, roster.Parcels, req.Body, roster.Options{DryRun: deref(req.Params.DryRun)})
	if err != nil {
		return nil, err
	}
	return api.ImportParcels200JSONResponse(res), nil
}

func (s *Server) importRoster(ctx context.Context, kind string, body io.Reader, o roster.Options) (api.ImportResult, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return api.ImportResult{}, he // the body limit
		}
		return api.ImportResult{}, fault.Malformedf("", "The request body could not be read.")
	}
	res, err := s.Roster.Import(ctx, principal(ctx), kind, data, o)
	if err != nil {
		return api.ImportResult{}, err
	}
	out := api.ImportResult{Created: res.Created, Updated: res.Updated, Unchanged: res.Unchanged, Refused: res.Refused,
		Rows: make([]api.ImportRow, len(res.Rows))}
	for i, r := range res.Rows {
		row := api.ImportRow{Row: r.Row, Status: api.ImportRowStatus(r.Status), Errors: make([]api.FieldError, len(r.Errors))}
		if r.ID != 0 {
			row.Id = &r.ID
		}
		for j, e := range r.Errors {
			row.Errors[j] = fieldError(e.Field, e.Message)
		}
		out.Rows[i] = row
	}
	return out, nil
}
