package main

import (
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// TestAppendValue checks that what appendValue writes decodes, through pgx, to the value written.
func TestAppendValue(t *testing.T) {
	m := pgtype.NewMap()
	at := time.Date(2026, 5, 17, 9, 30, 15, 123456000, time.FixedZone("CST", 8*3600))
	cases := []struct {
		oid  uint32
		v    any
		want any
	}{
		{oidNumeric, numeric(0), "0.00"},
		{oidNumeric, numeric(5), "0.05"},
		{oidNumeric, numeric(-123456789), "-1234567.89"},
		{oidNumeric, numeric(100_000_000), "1000000.00"},
		{oidNumeric, numericOf(decimal.RequireFromString("2.3456")), "2.3456"},
		{oidNumeric, numericOf(decimal.RequireFromString("12345678901.23456")), "12345678901.23456"},
		{oidNumeric, numericOf(decimal.RequireFromString("70")), "70"},
		{oidNumeric, numericOf(decimal.New(7, 3)), "7000"},
		{oidNumeric, fixedPoint{9_223_372_036_854_775_807, 16}, "922.3372036854775807"},
		{oidInt8, int64(-42), int64(-42)},
		{oidInt4, 2026, int32(2026)},
		{oidText, "王家沟村", "王家沟村"},
		{oidBool, true, true},
		{oidDate, at, time.Date(2026, 5, 17, 0, 0, 0, 0, time.UTC)},
		{oidTimestamptz, at, at.UTC()},
	}
	for _, c := range cases {
		buf, ok := appendValue(nil, c.oid, c.v)
		if !ok {
			t.Fatalf("appendValue(%d, %#v) is not handled", c.oid, c.v)
		}
		var got any
		if c.oid == oidNumeric {
			var n pgtype.Numeric
			if err := m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &n); err != nil {
				t.Fatalf("%#v: %v", c.v, err)
			}
			d := decimal.NewFromBigInt(n.Int, n.Exp)
			if want := decimal.RequireFromString(c.want.(string)); !d.Equal(want) {
				t.Errorf("%#v is read back as %s, want %s", c.v, d, want)
			}
			continue
		}
		var err error
		switch c.want.(type) {
		case int64:
			var v int64
			err, got = m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &v), v
		case int32:
			var v int32
			err, got = m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &v), v
		case string:
			var v string
			err, got = m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &v), v
		case bool:
			var v bool
			err, got = m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &v), v
		case time.Time:
			var v time.Time
			err = m.Scan(c.oid, pgtype.BinaryFormatCode, buf, &v)
			got = v.UTC()
		}
		if err != nil || got != c.want {
			t.Errorf("%#v as %d is read back as %#v (%v), want %#v", c.v, c.oid, got, err, c.want)
		}
	}
}
