//go:build amd64 && !noasm

#include "textflag.h"

// func lslCPUNode() uint32
TEXT ·lslCPUNode(SB), NOSPLIT, $0-4
	MOVL $0x7b, AX
	BYTE $0x0f; BYTE $0x03; BYTE $0xc0 // LSL EAX, AX
	JNZ  bad
	MOVL AX, ret+0(FP)
	RET
bad:
	MOVL $0xffffffff, ret+0(FP)
	RET
