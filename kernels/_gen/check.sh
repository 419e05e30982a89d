#!/bin/sh
# check.sh regenerates the assembly kernels into a temporary directory and
# fails if they differ from the committed kernels/vec_amd64.{s,go} and
# kernels/vmath_amd64.{s,go}, kernels/gemm_amd64.{s,go} and (NEON, arm64)
# kernels/vec_arm64.{s,go} and kernels/vmath_arm64.{s,go}.
# Run it from anywhere: sh kernels/_gen/check.sh
set -eu
gen=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run -C "$gen" -tags generate . -out "$tmp"
status=0
for f in vec_amd64.s vec_amd64.go vmath_amd64.s vmath_amd64.go gemm_amd64.s gemm_amd64.go vec_arm64.s vec_arm64.go vmath_arm64.s vmath_arm64.go; do
	if ! diff -u "$gen/../$f" "$tmp/$f"; then
		echo "kernels/$f is stale: run go generate ./kernels (or: cd kernels/_gen && go run -tags generate . -out ..)" >&2
		status=1
	fi
done
exit $status
