// Command levels prints, one per line, the kernel levels that this build
// and CPU can run (used by .ci/run to test each of them).
package main

import (
	"fmt"

	"github.com/adjoint-go/adjoint/device"
)

func main() {
	for _, l := range device.Available() {
		fmt.Println(l)
	}
}
