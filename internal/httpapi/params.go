package httpapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/tuoguan/tuoguan"
	"github.com/tuoguan/tuoguan/internal/fault"
)

// paramCheck holds the operations of openapi.yaml by the route echo matched ("GET /api/v1/farms/:id"), so
// that every path, query and header parameter is checked against the contract before a handler sees it: an
// unknown enum value, a string over its maxLength, an integer outside its bounds or not written canonically,
// a missing required parameter each answer 400 naming the parameter; a region code in the query that names no
// region answers 404. The contract is the one list of rules; an operation added to it is checked without code
// here.
type paramCheck struct {
	routes map[string]*routers.Route
	region func(ctx context.Context, code string) error // NotFound unless the region exists
}

func newParamCheck(base string, region func(ctx context.Context, code string) error) (*paramCheck, error) {
	doc, err := openapi3.NewLoader().LoadFromData(tuoguan.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	pc := &paramCheck{routes: map[string]*routers.Route{}, region: region}
	for path, item := range doc.Paths.Map() {
		echoPath := base + pathParam.ReplaceAllString(path, ":$1")
		for method, op := range item.Operations() {
			pc.routes[method+" "+echoPath] = &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		}
	}
	return pc, nil
}

const regionCodeSchema = "#/components/schemas/RegionCode"

var pathParam = regexp.MustCompile(`\{(\w+)\}`)

// canonicalInt is how an integer parameter is written: no sign, no leading zeros, no spaces ("01" and "+1"
// are not ids).
var canonicalInt = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`)

// middleware refuses a request whose parameters break the contract, listing every parameter at fault.
func (pc *paramCheck) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		route, ok := pc.routes[c.Request().Method+" "+c.Path()]
		if !ok {
			return next(c)
		}
		in := &openapi3filter.RequestValidationInput{Request: c.Request(), PathParams: map[string]string{}, Route: route,
			Options: &openapi3filter.Options{ExcludeRequestBody: true, SkipSettingDefaults: true}}
		for i, name := range c.ParamNames() {
			in.PathParams[name] = c.ParamValues()[i]
		}
		var errs fault.Fields
		for _, ref := range parameters(route) {
			p := ref.Value
			if msg := checkParam(c, in, p); msg != "" {
				errs = append(errs, fault.FieldError{Field: p.Name, Message: msg})
			}
		}
		if len(errs) > 0 {
			return &fault.Error{Kind: fault.Malformed, Message: "A parameter breaks the API's contract.", Fields: errs}
		}
		for _, ref := range parameters(route) {
			if p := ref.Value; p.In == openapi3.ParameterInQuery && p.Schema.Ref == regionCodeSchema {
				if code := c.QueryParam(p.Name); code != "" {
					if err := pc.region(c.Request().Context(), code); err != nil {
						return err
					}
				}
			}
		}
		return next(c)
	}
}

// parameters lists the operation's parameters and those of its path that the operation does not redefine.
func parameters(r *routers.Route) openapi3.Parameters {
	ps := append(openapi3.Parameters{}, r.Operation.Parameters...)
	for _, p := range r.PathItem.Parameters {
		if ps.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// checkParam returns why p's value breaks its schema, or "" when it does not.
func checkParam(c echo.Context, in *openapi3filter.RequestValidationInput, p *openapi3.Parameter) string {
	if raw, ok := rawParam(c, in, p); ok && p.Schema != nil && p.Schema.Value.Type.Is(openapi3.TypeInteger) && !canonicalInt.MatchString(raw) {
		return "must be a whole number written without sign, spaces or leading zeros"
	}
	err := openapi3filter.ValidateParameter(c.Request().Context(), in, p)
	if err == nil {
		return ""
	}
	var se *openapi3.SchemaError
	var pe *openapi3filter.ParseError
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired), errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return "is required"
	case errors.As(err, &se):
		return schemaMessage(se)
	case errors.As(err, &pe):
		return "must be " + typeName(p.Schema.Value)
	}
	return "is malformed"
}

// rawParam returns the text of p as the request carries it.
func rawParam(c echo.Context, in *openapi3filter.RequestValidationInput, p *openapi3.Parameter) (string, bool) {
	switch p.In {
	case openapi3.ParameterInPath:
		v, ok := in.PathParams[p.Name]
		return v, ok
	case openapi3.ParameterInQuery:
		vs, ok := c.QueryParams()[p.Name]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	return "", false
}

// schemaMessage explains a schema violation in the words of the rule, never quoting the value.
func schemaMessage(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "enum":
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		return "must be one of " + strings.Join(vals, ", ")
	case "maxLength":
		return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
	case "minLength", "pattern":
		if s.MinLength > 0 && se.SchemaField == "minLength" || s.Pattern == `\S` {
			return "is required and must not be blank"
		}
		return "is malformed"
	case "minimum", "maximum":
		switch {
		case s.Min != nil && s.Max != nil:
			return fmt.Sprintf("must be between %v and %v", *s.Min, *s.Max)
		case s.Min != nil:
			return fmt.Sprintf("must be at least %v", *s.Min)
		}
		return fmt.Sprintf("must be at most %v", *s.Max)
	case "format":
		if s.Format == "date" {
			return "must be a date such as 2026-03-01"
		}
		return "is malformed"
	case "type":
		return "must be " + typeName(s)
	}
	return "is malformed"
}

func typeName(s *openapi3.Schema) string {
	switch {
	case s.Type.Is(openapi3.TypeInteger):
		return "a whole number"
	case s.Type.Is(openapi3.TypeBoolean):
		return "true or false"
	case s.Type.Is(openapi3.TypeNumber):
		return "a number"
	}
	return "text"
}
