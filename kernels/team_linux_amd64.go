package kernels

// sysGetcpu is getcpu(2), which package syscall does not name on amd64.
const sysGetcpu = 309
