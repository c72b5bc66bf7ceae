//go:build !(amd64 && goexperiment.simd)

package mtl

// simdKernels: built without GOEXPERIMENT=simd (or not on amd64), so the
// pure-Go backend uses its generic Go matrix kernels.
const simdKernels = false
