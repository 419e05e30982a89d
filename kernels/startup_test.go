package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/device"
)

// TestBadLevelRequestFailsAtStartup runs this test binary again with
// ADJOINT_KERNELS asking for a level that cannot run; the package's
// initialisation must stop the program with a message that names the
// request, before any kernel runs (never an illegal instruction later).
func TestBadLevelRequestFailsAtStartup(t *testing.T) {
	if os.Getenv("ADJOINT_STARTUP_CHILD") == "1" {
		t.Fatal("initialisation accepted ADJOINT_KERNELS=" + os.Getenv(device.EnvVar))
	}
	requests := []string{"sse9"}
	for l := device.Generic; l <= device.AVX512; l++ {
		if !device.Compiled(l) || !device.CPU().Supports(l) {
			requests = append(requests, l.String())
		}
	}
	for _, req := range requests {
		t.Run("ADJOINT_KERNELS="+req, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBadLevelRequestFailsAtStartup$")
			cmd.Env = append(os.Environ(), device.EnvVar+"="+req, "ADJOINT_STARTUP_CHILD=1")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("program ran with ADJOINT_KERNELS=%s:\n%s", req, out)
			}
			if s := string(out); !strings.Contains(s, "adjoint: ADJOINT_KERNELS="+req) || strings.Contains(s, "SIGILL") {
				t.Fatalf("start-up output does not explain the bad request:\n%s", s)
			}
		})
	}
}
