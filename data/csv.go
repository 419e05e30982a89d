package data

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/adjoint-go/adjoint/tensor"
)

// ErrCSV is wrapped by every error about the content of a CSV input read
// by ReadCSV or LoadCSV, and about options that do not fit it (a column
// name not in the header, an index past the last field).
var ErrCSV = errors.New("data: invalid CSV")

// A CSVOption configures ReadCSV and LoadCSV.
type CSVOption func(*csvConfig)

type csvConfig struct {
	header  bool
	names   []string // columns selected by name, or nil
	indices []int    // columns selected by index, or nil
	byName  bool     // Columns was given
	byIndex bool     // ColumnIndices was given
	comma   rune     // 0: ','
}

// Header says that the first record of the input names the columns, so it
// is not data. Without Header (or Columns), every record is data.
func Header() CSVOption { return func(c *csvConfig) { c.header = true } }

// Columns selects the columns named in the header, in the order given,
// and implies Header. A name may be given twice; a name the header lacks,
// or holds more than once, is an error.
func Columns(names ...string) CSVOption {
	names = append([]string(nil), names...)
	return func(c *csvConfig) { c.header, c.byName, c.names = true, true, names }
}

// ColumnIndices selects columns by index, from 0, in the order given; an
// index may be given twice. An index not below the number of fields of the
// first record is an error.
func ColumnIndices(indices ...int) CSVOption {
	indices = append([]int(nil), indices...)
	return func(c *csvConfig) { c.byIndex, c.indices = true, indices }
}

// Comma sets the field separator, ',' by default (';' and '\t' are
// common). A separator encoding/csv does not allow, such as '"' or '\n',
// makes reading fail with an error.
func Comma(r rune) CSVOption { return func(c *csvConfig) { c.comma = r } }

// maxQuoted bounds how much of a cell or header an error message quotes.
const maxQuoted = 40

// ReadCSV reads numbers from CSV input (RFC 4180, as encoding/csv reads
// it) into a tensor of shape [rows, columns]: row i holds the selected
// fields of the i-th data record, in the order of the selection (all
// fields, in order, by default).
//
// Options say whether the first record is a header (Header, implied by
// Columns), which columns to keep (Columns by name, ColumnIndices by
// index, not both) and the separator (Comma). Empty lines are skipped; a
// UTF-8 byte order mark before the first field is ignored.
//
// Each selected field, with leading and trailing spaces trimmed, must be a
// finite number as strconv.ParseFloat reads it (such as 3, -2.5e3, +.5 or
// 0x1p-2). NaN, Inf and values that overflow float64 (1e999) are errors,
// not values: a NaN in training data poisons every gradient it touches
// without a word. Empty fields are errors too; fill or drop missing values
// before reading.
//
// Bad input is an error, never a panic: no input or no data records, a
// record whose field count differs from the first record's, a field that
// is not a finite number, a column name not in the header (or in it
// twice), an index past the last field, and malformed CSV (a stray quote)
// all give errors wrapping ErrCSV that name the line (from 1, counting
// every line of the input, so a quoted field spanning lines moves it) and,
// for a field, the column by index (from 0) and, with a header, by name:
//
//	data: invalid CSV: line 3, column "age" (index 1): "n/a" is not a number
//
// Errors of r itself are returned wrapped, without ErrCSV. Memory grows
// with the input read: the result holds at most one float64 per selected
// field of the input, and every field holds at least one byte.
func ReadCSV(r io.Reader, opts ...CSVOption) (*tensor.Tensor, error) {
	var c csvConfig
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.byName && c.byIndex {
		return nil, fmt.Errorf("%w: both Columns and ColumnIndices select columns", ErrCSV)
	}
	if (c.byName && len(c.names) == 0) || (c.byIndex && len(c.indices) == 0) {
		return nil, fmt.Errorf("%w: no columns selected", ErrCSV)
	}
	cr := csv.NewReader(r)
	if c.comma != 0 {
		if c.comma == '"' || c.comma == '\r' || c.comma == '\n' || !utf8.ValidRune(c.comma) || c.comma == utf8.RuneError {
			return nil, fmt.Errorf("%w: %q cannot separate fields", ErrCSV, c.comma)
		}
		cr.Comma = c.comma
	}
	cr.FieldsPerRecord = -1 // checked here, for a better message
	cr.ReuseRecord = true
	rec, err := cr.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%w: no records", ErrCSV)
	}
	if err != nil {
		return nil, csvReadErr(err)
	}
	firstLine, _ := cr.FieldPos(0)
	width := len(rec)
	rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
	var names []string
	if c.header {
		names = make([]string, width)
		for k, f := range rec {
			names[k] = strings.TrimSpace(f)
		}
	}
	cols, err := c.selection(names, width, firstLine)
	if err != nil {
		return nil, err
	}

	var out []float64
	rows := 0
	parse := func(rec []string) error {
		if len(rec) != width {
			line, _ := cr.FieldPos(0)
			return fmt.Errorf("%w: line %d has %d fields, want %d as on line %d", ErrCSV, line, len(rec), width, firstLine)
		}
		if len(out)+len(cols) > cap(out) {
			// Double: append's growth of large slices, by a quarter,
			// would allocate five times the result over the reading.
			out = slices.Grow(out, max(len(out), len(cols)))
		}
		for _, k := range cols {
			v, msg := parseCell(rec[k])
			if msg != "" {
				line, _ := cr.FieldPos(k)
				where := fmt.Sprintf("column index %d", k)
				if names != nil {
					where = fmt.Sprintf("column %s (index %d)", quote(names[k]), k)
				}
				return fmt.Errorf("%w: line %d, %s: %s", ErrCSV, line, where, msg)
			}
			out = append(out, v)
		}
		rows++
		return nil
	}
	if !c.header {
		if err := parse(rec); err != nil {
			return nil, fmt.Errorf("%w (if line %d is a header, pass data.Header())", err, firstLine)
		}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvReadErr(err)
		}
		if err := parse(rec); err != nil {
			return nil, err
		}
	}
	if rows == 0 {
		return nil, fmt.Errorf("%w: no data records after the header on line %d", ErrCSV, firstLine)
	}
	return tensor.FromData(out, rows, len(cols)), nil
}

// selection returns the indices of the selected columns of records of
// width fields, given the header's names (nil without a header) on line.
func (c *csvConfig) selection(names []string, width, line int) ([]int, error) {
	switch {
	case c.byIndex:
		for _, k := range c.indices {
			if k < 0 || k >= width {
				return nil, fmt.Errorf("%w: column index %d is out of range: line %d has %d fields", ErrCSV, k, line, width)
			}
		}
		return c.indices, nil
	case c.byName:
		cols := make([]int, len(c.names))
		for j, name := range c.names {
			cols[j] = -1
			for k, h := range names {
				if h != name {
					continue
				}
				if cols[j] >= 0 {
					return nil, fmt.Errorf("%w: column %s is in the header twice (indices %d and %d, line %d)", ErrCSV, quote(name), cols[j], k, line)
				}
				cols[j] = k
			}
			if cols[j] < 0 {
				return nil, fmt.Errorf("%w: column %s is not in the header on line %d (%s)", ErrCSV, quote(name), line, headerList(names))
			}
		}
		return cols, nil
	}
	cols := make([]int, width)
	for k := range cols {
		cols[k] = k
	}
	return cols, nil
}

// parseCell returns the number in field f, or a message saying why it is
// not one.
func parseCell(f string) (float64, string) {
	s := strings.TrimSpace(f)
	if s == "" {
		return 0, "empty field, want a number"
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, quote(s) + " is out of the range of float64"
	case err != nil:
		return 0, quote(s) + " is not a number"
	case math.IsNaN(v) || math.IsInf(v, 0):
		return 0, quote(s) + " is not a finite number (NaN and Inf are not accepted)"
	}
	return v, ""
}

// quote quotes s for a message, shortened to maxQuoted bytes.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// headerList quotes the first names of a header for a message.
func headerList(names []string) string {
	const most = 8
	q := make([]string, 0, most+1)
	for _, n := range names[:min(len(names), most)] {
		q = append(q, quote(n))
	}
	if len(names) > most {
		q = append(q, fmt.Sprintf("and %d more", len(names)-most))
	}
	return strings.Join(q, ", ")
}

// csvReadErr wraps an error of csv.Reader.Read: a parse error is about the
// content (ErrCSV), any other comes from the underlying reader.
func csvReadErr(err error) error {
	if pe, ok := errors.AsType[*csv.ParseError](err); ok {
		return fmt.Errorf("%w: %w", ErrCSV, pe)
	}
	return fmt.Errorf("data: reading CSV: %w", err)
}

// LoadCSV reads the CSV file at path with ReadCSV. Its errors name the
// file.
func LoadCSV(path string, opts ...CSVOption) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	t, err := ReadCSV(f, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return t, nil
}
