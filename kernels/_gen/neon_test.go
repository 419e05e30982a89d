//go:build generate

package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestNEONEncodings assembles each instruction that neon.go writes as a
// WORD with llvm-mc and compares the encodings (run with go test -tags
// generate in kernels/_gen; it needs llvm-mc, as Debian's llvm package
// installs it).
func TestNEONEncodings(t *testing.T) {
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Skip("llvm-mc is not installed")
	}
	type enc struct {
		text string
		word uint32
	}
	var cases []enc
	for _, o := range []op3{fadd, fsub, fmul, fdiv, fmax, fmin, fmla, fcmeq, vbic, fmls, fcmge, fcmgt, vand, vorr, vbit, vbif, iadd, isub, icmgt, fcvtzs} {
		for _, r := range [][3]int{{0, 1, 2}, {31, 30, 29}, {16, 0, 31}, {7, 7, 23}} {
			if o == fcvtzs { // two registers
				r[2] = 0
			}
			cases = append(cases, enc{o.textFor(r[0], r[1], r[2]), o.enc(r[0], r[1], r[2])})
		}
	}
	for _, sh := range []struct {
		kind string
		n    int
	}{{"sshr", 1}, {"sshr", 63}, {"ushr", 52}, {"shl", 52}, {"shl", 1}} {
		cases = append(cases, enc{fmt.Sprintf("%s v3.2d, v29.2d, #%d", sh.kind, sh.n), shiftEnc(sh.kind, 3, 29, sh.n)})
	}
	for _, r := range [][2]int{{0, 1}, {31, 17}} {
		cases = append(cases, enc{fmt.Sprintf("fneg v%d.2d, v%d.2d", r[0], r[1]), fnegEnc(r[0], r[1])})
		cases = append(cases, enc{fmt.Sprintf("fsqrt v%d.2d, v%d.2d", r[0], r[1]), fsqrtEnc(r[0], r[1])})
		for _, o := range []op3{faddpS, fmaxpS, fminpS} {
			cases = append(cases, enc{fmt.Sprintf("%s d%d, v%d.2d", o.name, r[0], r[1]), vec3(o.base, r[0], r[1], 0)})
		}
	}
	for _, r := range [][4]int{{8, 3, 0, 0}, {31, 6, 2, 1}, {12, 17, 25, 1}} {
		cases = append(cases, enc{fmt.Sprintf("fmla v%d.2d, v%d.2d, v%d.d[%d]", r[0], r[1], r[2], r[3]), fmlaElemEnc(r[0], r[1], r[2], r[3])})
	}
	var src strings.Builder
	for _, c := range cases {
		src.WriteString(c.text + "\n")
	}
	cmd := exec.Command(mc, "-triple=aarch64", "-mattr=+neon", "-show-encoding")
	cmd.Stdin = strings.NewReader(src.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("llvm-mc: %v\n%s", err, out)
	}
	var got []uint32
	for _, line := range strings.Split(string(out), "\n") {
		i := strings.Index(line, "encoding: [")
		if i < 0 {
			continue
		}
		var b [4]uint32
		if _, err := fmt.Sscanf(line[i:], "encoding: [0x%x,0x%x,0x%x,0x%x]", &b[0], &b[1], &b[2], &b[3]); err != nil {
			t.Fatalf("cannot read %q: %v", line, err)
		}
		got = append(got, b[0]|b[1]<<8|b[2]<<16|b[3]<<24)
	}
	if len(got) != len(cases) {
		t.Fatalf("llvm-mc encoded %d of %d instructions:\n%s", len(got), len(cases), out)
	}
	for i, c := range cases {
		if got[i] != c.word {
			t.Errorf("%s: neon.go writes %#08x, llvm-mc %#08x", c.text, c.word, got[i])
		}
	}
}
