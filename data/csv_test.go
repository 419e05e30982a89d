package data_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/data"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		opts  []data.CSVOption
		shape []int
		want  []float64
	}{
		{"records without a header are all data", "1,2\n3,4\n", nil, []int{2, 2}, []float64{1, 2, 3, 4}},
		{"a header is not data", "a,b\n1,2\n3,4\n", []data.CSVOption{data.Header()}, []int{2, 2}, []float64{1, 2, 3, 4}},
		{"Columns selects by name in the order given, repeats included", "a,b,c\n1,2,3\n4,5,6\n", []data.CSVOption{data.Columns("c", "a", "c")}, []int{2, 3}, []float64{3, 1, 3, 6, 4, 6}},
		{"Columns matches names with spaces trimmed", " a , b \n1,2\n", []data.CSVOption{data.Columns("b")}, []int{1, 1}, []float64{2}},
		{"a duplicated header name not selected is fine", "a,b,a\n1,2,3\n", []data.CSVOption{data.Columns("b")}, []int{1, 1}, []float64{2}},
		{"ColumnIndices selects by index", "1,2,3\n4,5,6\n", []data.CSVOption{data.ColumnIndices(2, 0)}, []int{2, 2}, []float64{3, 1, 6, 4}},
		{"ColumnIndices with a header", "a,b,c\n1,2,3\n", []data.CSVOption{data.Header(), data.ColumnIndices(1)}, []int{1, 1}, []float64{2}},
		{"one column gives [N, 1]", "7\n8\n9", nil, []int{3, 1}, []float64{7, 8, 9}},
		{"spaces around numbers are trimmed", " 1 ,\t2\t\n", nil, []int{1, 2}, []float64{1, 2}},
		{"CRLF line endings, empty lines and no final newline", "1,2\r\n\r\n\n3,4", nil, []int{2, 2}, []float64{1, 2, 3, 4}},
		{"quoted fields", "\"1.5\",\"-2\"\n", nil, []int{1, 2}, []float64{1.5, -2}},
		{"a byte order mark before the header", "\ufeffa,b\n1,2\n", []data.CSVOption{data.Columns("a")}, []int{1, 1}, []float64{1}},
		{"a byte order mark before data", "\ufeff1,2\n", nil, []int{1, 2}, []float64{1, 2}},
		{"numbers as strconv.ParseFloat reads them", "+.5,-2.5e3,0x1p-2,1e-400\n", nil, []int{1, 4}, []float64{0.5, -2500, 0.25, 0}},
		{"Comma sets the separator", "a;b\n1,5;2\n", []data.CSVOption{data.Header(), data.Comma(';'), data.ColumnIndices(1)}, []int{1, 1}, []float64{2}},
		{"tab-separated", "1\t2\n", []data.CSVOption{data.Comma('\t')}, []int{1, 2}, []float64{1, 2}},
		{"a nil option is ignored", "1\n", []data.CSVOption{nil}, []int{1, 1}, []float64{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := data.ReadCSV(strings.NewReader(tt.input), tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(x.Shape(), tt.shape) || !slices.Equal(x.Data(), tt.want) {
				t.Errorf("got %v %v, want %v %v", x.Shape(), x.Data(), tt.shape, tt.want)
			}
		})
	}
}

func TestReadCSVRejectsBadInput(t *testing.T) {
	long := strings.Repeat("9", 1000) + "x"
	tests := []struct {
		name  string
		input string
		opts  []data.CSVOption
		want  string
	}{
		{"no input", "", nil, "no records"},
		{"only empty lines", "\n\r\n\n", nil, "no records"},
		{"a header and no data", "a,b\n", []data.CSVOption{data.Header()}, "no data records after the header on line 1"},
		{"a header and no data after empty lines", "\n\na,b\n\n", []data.CSVOption{data.Columns("a")}, "no data records after the header on line 3"},
		{"a short record", "1,2\n3\n", nil, "line 2 has 1 fields, want 2 as on line 1"},
		{"a long record after the header", "a,b\n1,2\n\n3,4,5\n", []data.CSVOption{data.Header()}, "line 4 has 3 fields, want 2 as on line 1"},
		{"an unknown column name", "a,b,c\n1,2,3\n", []data.CSVOption{data.Columns("a", "d")}, `column "d" is not in the header on line 1 ("a", "b", "c")`},
		{"a selected name twice in the header", "a,b,a\n1,2,3\n", []data.CSVOption{data.Columns("a")}, `column "a" is in the header twice (indices 0 and 2, line 1)`},
		{"a column name without a header line to match", "1,2\n", []data.CSVOption{data.Columns("x")}, `column "x" is not in the header on line 1 ("1", "2")`},
		{"a word in a named column", "a,b\n1,2\n3,x\n", []data.CSVOption{data.Header()}, `line 3, column "b" (index 1): "x" is not a number`},
		{"a word without a header", "1,2\n3,4\n5,six\n", nil, `line 3, column index 1: "six" is not a number`},
		{"a header not declared", "a,b\n1,2\n", nil, `line 1, column index 0: "a" is not a number (if line 1 is a header, pass data.Header())`},
		{"a line number past empty lines", "1,2\n\n\n3,x\n", nil, "line 4, column index 1"},
		{"a line number past a quoted field of two lines", "a,b\n\"1\n\",2\nx,3\n", []data.CSVOption{data.Header()}, `line 4, column "a" (index 0): "x" is not a number`},
		{"an unselected word is fine, a selected one is not", "a,b\nx,1\n2,y\n", []data.CSVOption{data.Columns("b")}, `line 3, column "b" (index 1): "y"`},
		{"NaN", "1,NaN\n", nil, `"NaN" is not a finite number (NaN and Inf are not accepted)`},
		{"nan in lower case", "nan\n", nil, "not a finite number"},
		{"Inf", "1\n-Inf\n", nil, `line 2, column index 0: "-Inf" is not a finite number`},
		{"infinity", "infinity\n", nil, "not a finite number"},
		{"an overflow", "1e999\n", nil, `"1e999" is out of the range of float64`},
		{"an empty field", "1,,3\n", nil, "line 1, column index 1: empty field, want a number"},
		{"a field of spaces", "a,b\n1,  \n", []data.CSVOption{data.Header()}, `line 2, column "b" (index 1): empty field`},
		{"a long field, shortened in the message", long + "\n", nil, `"` + strings.Repeat("9", 40) + `"... is not a number`},
		{"a column index past the last field", "1,2,3\n", []data.CSVOption{data.ColumnIndices(0, 3)}, "column index 3 is out of range: line 1 has 3 fields"},
		{"a negative column index", "1,2,3\n", []data.CSVOption{data.ColumnIndices(-1)}, "column index -1 is out of range"},
		{"a huge column index", "1\n", []data.CSVOption{data.ColumnIndices(math.MaxInt)}, "is out of range"},
		{"both ways of selecting", "a\n1\n", []data.CSVOption{data.Columns("a"), data.ColumnIndices(0)}, "both Columns and ColumnIndices"},
		{"Columns of no names", "a\n1\n", []data.CSVOption{data.Columns()}, "no columns selected"},
		{"ColumnIndices of no indices", "1\n", []data.CSVOption{data.ColumnIndices()}, "no columns selected"},
		{"a bare quote", "1,2\n3,4\"\n", nil, `parse error on line 2, column 4: bare " in non-quoted-field`},
		{"an unterminated quote", "1,\"2\n", nil, "extraneous or missing \" in quoted-field"},
		{"a quote as separator", "1\n", []data.CSVOption{data.Comma('"')}, `'"' cannot separate fields`},
		{"a newline as separator", "1\n", []data.CSVOption{data.Comma('\n')}, "cannot separate fields"},
		{"an invalid rune as separator", "1\n", []data.CSVOption{data.Comma(-1)}, "cannot separate fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			x, err := data.ReadCSV(strings.NewReader(tt.input), tt.opts...)
			if err == nil {
				t.Fatalf("no error: %v", x)
			}
			if x != nil {
				t.Error("a tensor returned with the error")
			}
			if !errors.Is(err, data.ErrCSV) {
				t.Errorf("error %q does not wrap ErrCSV", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error of %d bytes", len(err.Error()))
			}
		})
	}
}

// csvFailingReader returns its data, then err.
type csvFailingReader struct {
	data string
	err  error
}

func (r *csvFailingReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestReadCSVReturnsReadErrors(t *testing.T) {
	bad := errors.New("disk on fire")
	_, err := data.ReadCSV(&csvFailingReader{"1,2\n3,4\n", bad})
	if !errors.Is(err, bad) || errors.Is(err, data.ErrCSV) {
		t.Errorf("error %v: want it to wrap the reader's error, not ErrCSV", err)
	}
}

func TestLoadCSV(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(good, []byte("x,y\n1,2\n3,4\n"), 0o644)
	os.WriteFile(bad, []byte("x,y\n1,2\n3\n"), 0o644)
	t.Run("reads a file with options", func(t *testing.T) {
		x, err := data.LoadCSV(good, data.Columns("y"))
		if err != nil || !slices.Equal(x.Data(), []float64{2, 4}) {
			t.Errorf("got %v, %v", x, err)
		}
	})
	t.Run("an error about the content names the file", func(t *testing.T) {
		_, err := data.LoadCSV(bad, data.Header())
		if !errors.Is(err, data.ErrCSV) || !strings.Contains(err.Error(), "line 3 has 1 fields") || !strings.Contains(err.Error(), bad) {
			t.Errorf("error %v", err)
		}
	})
	t.Run("a missing file is an error naming it", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.csv")
		_, err := data.LoadCSV(missing)
		if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
			t.Errorf("error %v", err)
		}
	})
}

// TestReadCSVMemoryFollowsTheInput reads 2000 records of 50 short fields:
// the memory allocated is a small multiple of the input's size (the
// result alone is 4 times it: 8 bytes per field of 2).
func TestReadCSVMemoryFollowsTheInput(t *testing.T) {
	var b strings.Builder
	for i := range 2000 {
		b.WriteString(strings.Repeat("1,", 49) + strconv.Itoa(i) + "\n")
	}
	input := b.String()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := data.ReadCSV(strings.NewReader(input))
	runtime.ReadMemStats(&after)
	if err != nil || !slices.Equal(got.Shape(), []int{2000, 50}) {
		t.Fatalf("got %v, %v", got.Shape(), err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 16*uint64(len(input)) {
		t.Errorf("reading %d bytes of CSV allocated %d bytes", len(input), n)
	} else {
		t.Logf("reading %d bytes of CSV allocated %d bytes", len(input), n)
	}
}

// FuzzReadCSV reads arbitrary input with and without a header: ReadCSV
// must not panic, must return errors wrapping ErrCSV (a bytes.Reader does
// not fail), and what it accepts must be the records encoding/csv reads,
// every field a finite number, with one float64 per field.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n3,4\n"), true)
	f.Add([]byte("1,2\n3,4"), false)
	f.Add([]byte("\ufeff1, 2\r\n\n\"3\",0x1p-2\n"), false)
	f.Add([]byte("1,2\n3\n"), false)
	f.Add([]byte("a\n\"1\n\"\nNaN\n"), true)
	f.Add([]byte("1e999,2"), false)
	f.Add([]byte(""), true)
	f.Fuzz(func(t *testing.T, input []byte, header bool) {
		var opts []data.CSVOption
		if header {
			opts = append(opts, data.Header())
		}
		x, err := data.ReadCSV(bytes.NewReader(input), opts...)
		if err != nil {
			if x != nil || !errors.Is(err, data.ErrCSV) {
				t.Fatalf("error %v with %v; want ErrCSV and no tensor", err, x)
			}
			return
		}
		cr := csv.NewReader(bytes.NewReader(input))
		cr.FieldsPerRecord = -1
		recs, rerr := cr.ReadAll()
		if rerr != nil || len(recs) == 0 {
			t.Fatalf("ReadCSV accepted input that encoding/csv rejects: %v", rerr)
		}
		recs[0][0] = strings.TrimPrefix(recs[0][0], "\ufeff")
		if header {
			recs = recs[1:]
		}
		n, c := x.Size(0), x.Size(1)
		if x.Dim() != 2 || n != len(recs) || n < 1 || c < 1 || n*c > len(input) {
			t.Fatalf("shape %v for %d data records from %d bytes", x.Shape(), len(recs), len(input))
		}
		got := x.Data()
		for i, rec := range recs {
			if len(rec) != c {
				t.Fatalf("record %d has %d fields, the result %d columns", i, len(rec), c)
			}
			for j, field := range rec {
				want, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
				if err != nil || math.IsNaN(want) || math.IsInf(want, 0) || got[i*c+j] != want {
					t.Fatalf("record %d, field %d: %q read as %v", i, j, field, got[i*c+j])
				}
			}
		}
	})
}
