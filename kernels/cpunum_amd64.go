//go:build amd64 && !noasm

package kernels

// lslCPUNode returns the limit of the GDT segment in which Linux on x86-64
// keeps each CPU's number (bits 0-11, the NUMA node above), read with LSL
// as the vDSO's getcpu does on CPUs without RDPID; all ones if the
// segment is not there (another kernel). About 17 ns against a getcpu
// system call's 1 µs on the project's KVM guests.
func lslCPUNode() uint32

// haveLSL says that lslCPUNode is assembly in this build.
const haveLSL = true
