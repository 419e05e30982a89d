package kernels

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/adjoint-go/adjoint/device"
)

// execEnvVar names the program that runs this test binary when it was
// built for another architecture: the same command given to go test's
// -exec flag (for example qemu-aarch64-static), which go test does not
// pass on to the binary. .ci/run sets it with -exec.
const execEnvVar = "ADJOINT_TEST_EXEC"

// selfCommand returns a command that runs this test binary again with args,
// through the wrapper named by ADJOINT_TEST_EXEC when it is set. Without
// it, if the binary cannot be executed directly (an arm64 binary on an
// amd64 host, run by go test -exec qemu-aarch64-static), it goes through
// qemu-<arch>-static from PATH.
func selfCommand(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	wrap := strings.Fields(os.Getenv(execEnvVar))
	if len(wrap) == 0 && !canExecSelf() {
		q := "qemu-" + qemuArch(runtime.GOARCH) + "-static"
		path, err := exec.LookPath(q)
		if err != nil {
			t.Fatalf("this %s test binary cannot run itself directly, %s is not in PATH, and %s is unset: set it to go test's -exec program", runtime.GOARCH, q, execEnvVar)
		}
		wrap = []string{path}
	}
	if len(wrap) == 0 {
		return exec.Command(os.Args[0], args...)
	}
	return exec.Command(wrap[0], append(append(wrap[1:], os.Args[0]), args...)...)
}

// canExecSelf reports whether the kernel runs this binary directly: false
// when it is for another architecture (exec fails with ENOEXEC).
func canExecSelf() bool {
	err := exec.Command(os.Args[0], "-test.run=^$").Run()
	return !errors.Is(err, syscall.ENOEXEC)
}

// qemuArch returns QEMU's name for a GOARCH.
func qemuArch(goarch string) string {
	switch goarch {
	case "arm64":
		return "aarch64"
	case "amd64":
		return "x86_64"
	case "386":
		return "i386"
	}
	return goarch
}

// TestBadLevelRequestFailsAtStartup runs this test binary again with
// ADJOINT_KERNELS asking for a level that cannot run; the package's
// initialisation must stop the program with a message that names the
// request, before any kernel runs (never an illegal instruction later).
func TestBadLevelRequestFailsAtStartup(t *testing.T) {
	if os.Getenv("ADJOINT_STARTUP_CHILD") == "1" {
		t.Fatal("initialisation accepted ADJOINT_KERNELS=" + os.Getenv(device.EnvVar))
	}
	requests := []string{"sse9"}
	for _, l := range device.Levels() {
		if !device.Compiled(l) || !device.CPU().Supports(l) {
			requests = append(requests, l.String())
		}
	}
	for _, req := range requests {
		t.Run("ADJOINT_KERNELS="+req, func(t *testing.T) {
			cmd := selfCommand(t, "-test.run=^TestBadLevelRequestFailsAtStartup$")
			cmd.Env = append(os.Environ(), device.EnvVar+"="+req, "ADJOINT_STARTUP_CHILD=1")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("program ran with ADJOINT_KERNELS=%s:\n%s", req, out)
			}
			if s := string(out); !strings.Contains(s, "adjoint: ADJOINT_KERNELS="+req) || strings.Contains(s, "SIGILL") {
				t.Fatalf("start-up output does not explain the bad request (%v):\n%s", err, s)
			}
		})
	}
}
