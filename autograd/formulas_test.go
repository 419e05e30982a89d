package autograd

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// formulaViolations type-checks the package's non-test sources (plus
// extra, a file of the same package given as source text, if not empty) and
// returns one line for every place where a backward formula — a function
// with a call parameter, other than call's own methods — could read a
// saved value without its version check:
//
//   - a *Tensor or *tensor.Tensor (or a slice of them) captured from the
//     enclosing forward code instead of read through c.input, c.output or
//     c.saved;
//   - the node behind the call (c.node), a node's inputs (.inputs, .inl), or
//     the value behind a meta (.v).
func formulaViolations(t *testing.T, extra string) []string {
	t.Helper()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	if extra != "" {
		f, err := parser.ParseFile(fset, "extra.go", extra, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Selections: map[*ast.SelectorExpr]*types.Selection{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("github.com/adjoint-go/adjoint/autograd", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}
	tensorPtr := types.NewPointer(pkg.Scope().Lookup("Tensor").Type())
	callT := pkg.Scope().Lookup("call").Type()
	metaT := pkg.Scope().Lookup("meta").Type()
	valueType := func(typ types.Type) bool {
		if s, ok := typ.(*types.Slice); ok {
			typ = s.Elem()
		}
		if types.Identical(typ, tensorPtr) {
			return true
		}
		p, ok := typ.(*types.Pointer)
		if !ok {
			return false
		}
		n, ok := p.Elem().(*types.Named)
		return ok && n.Obj().Name() == "Tensor" && n.Obj().Pkg() != nil &&
			n.Obj().Pkg().Path() == "github.com/adjoint-go/adjoint/tensor"
	}
	isCall := func(e ast.Expr) bool {
		if star, ok := e.(*ast.StarExpr); ok {
			e = star.X
		}
		id, ok := e.(*ast.Ident)
		return ok && id.Name == "call"
	}
	isFormula := func(ft *ast.FuncType, recv *ast.FieldList) bool {
		if recv != nil && len(recv.List) == 1 && isCall(recv.List[0].Type) {
			return false // call's own methods are the checked accessors
		}
		for _, p := range ft.Params.List {
			if isCall(p.Type) {
				return true
			}
		}
		return false
	}
	var bad []string
	check := func(fn ast.Node, body *ast.BlockStmt) {
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				sel, ok := info.Selections[n]
				if !ok || sel.Kind() != types.FieldVal {
					return true
				}
				recv, name := sel.Recv(), n.Sel.Name
				switch {
				case types.Identical(recv, callT) && name == "node",
					types.Identical(recv, tensorPtr) && (name == "inputs" || name == "inl"),
					types.Identical(recv, metaT) && name == "v":
					bad = append(bad, fset.Position(n.Pos()).String()+": reads ."+name+" directly")
				}
			case *ast.Ident:
				obj, ok := info.Uses[n].(*types.Var)
				if !ok || obj.IsField() || obj.Parent() == pkg.Scope() || !valueType(obj.Type()) {
					return true
				}
				if obj.Pos() < fn.Pos() || obj.Pos() >= fn.End() {
					bad = append(bad, fset.Position(n.Pos()).String()+": captures "+n.Name+" from the forward pass")
				}
			}
			return true
		})
	}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if n.Body != nil && isFormula(n.Type, n.Recv) {
					check(n, n.Body)
					return false
				}
			case *ast.FuncLit:
				if isFormula(n.Type, nil) {
					check(n, n.Body)
					return false
				}
			}
			return true
		})
	}
	return bad
}

// No backward formula can read a saved value unchecked: the only way to a
// tensor other than the gradient is through the call, whose accessors check
// versions (see backwardFunc).
func TestFormulasReadThroughCall(t *testing.T) {
	if bad := formulaViolations(t, ""); len(bad) > 0 {
		t.Fatalf("backward formulas that bypass the call's version checks:\n%s", strings.Join(bad, "\n"))
	}
}

// The check itself catches each way around the call.
func TestFormulaCheckCatchesUncheckedReads(t *testing.T) {
	const src = `package autograd

func (t *Tensor) badCapture() *Tensor {
	return wrap1(t.v.Exp(), "BadCapture", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(t)
	}, t)
}

func (t *Tensor) badValue() *Tensor {
	v := t.v.Exp()
	return wrap1(v, "BadValue", func(c call, g *Tensor, grads []*Tensor) {
		grads[0] = g.Mul(From(v))
	}, t)
}

func badNode(c call, g *Tensor, grads []*Tensor) { grads[0] = g.Mul(c.node) }

func badInputs(c call, g *Tensor, grads []*Tensor) { grads[0] = g.Mul(c.output().inputs[0].t) }

func badMeta(c call, g *Tensor, grads []*Tensor) { grads[0] = g.Mul(From(c.meta(0).v)) }
`
	bad := formulaViolations(t, src)
	want := []string{"captures t", "captures v", "reads .node", "reads .inputs", "reads .v"}
	if len(bad) != len(want) {
		t.Fatalf("found %d violations, want %d:\n%s", len(bad), len(want), strings.Join(bad, "\n"))
	}
	for i, w := range want {
		if !strings.Contains(bad[i], w) {
			t.Errorf("violation %d is %q, want %q", i, bad[i], w)
		}
	}
}
