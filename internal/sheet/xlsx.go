package sheet

import (
	"io"

	"github.com/xuri/excelize/v2"
)

// WriteXLSX writes t as an Excel workbook of one sheet through excelize's stream writer, which keeps only the
// current row in memory and spills the sheet to a temporary file as it grows. The header row is bold and
// frozen; text cells stay text; decimals are numbers shown with two decimals.
func WriteXLSX(w io.Writer, t Table) error {
	f := excelize.NewFile()
	defer f.Close()
	name := t.Name
	if name == "" {
		name = "Sheet1"
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	twoPlaces, err := f.NewStyle(&excelize.Style{NumFmt: 2}) // "0.00"
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = excelize.Cell{Value: c.header(), StyleID: bold}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	r := 2
	values := make([]any, len(t.Columns))
	for row := range t.Rows {
		for i, c := range t.Columns {
			values[i] = xlsxCell(c.Kind, row[i], twoPlaces, text)
		}
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		if err := sw.SetRow(cell, values); err != nil {
			return err
		}
		r++
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	_, err = f.WriteTo(w)
	return err
}

// xlsxCell converts a cell. A workbook stores numbers as IEEE doubles; every figure here has two decimals and
// fewer than 15 significant digits, so the double shows exactly the decimal it came from.
func xlsxCell(k Kind, c Cell, twoPlaces, text int) excelize.Cell {
	switch k {
	case Decimal:
		if c.Decimal == nil {
			return excelize.Cell{}
		}
		return excelize.Cell{Value: c.Decimal.Decimal().InexactFloat64(), StyleID: twoPlaces}
	case Integer:
		return excelize.Cell{Value: c.Integer}
	}
	return excelize.Cell{Value: c.Text, StyleID: text}
}
