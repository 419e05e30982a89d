//go:build linux && !amd64

package kernels

import "syscall"

// sysGetcpu is getcpu(2).
const sysGetcpu = syscall.SYS_GETCPU
