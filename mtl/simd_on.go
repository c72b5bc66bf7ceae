//go:build amd64 && goexperiment.simd

package mtl

// simdKernels: built with GOEXPERIMENT=simd on amd64, so the pure-Go
// backend carries its packed AVX2/AVX-512 matrix kernels.
const simdKernels = true
