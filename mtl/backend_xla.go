//go:build xla

package mtl

// Built with the tag xla (go build -tags xla), the program also carries
// GoMLX's XLA backend (github.com/gomlx/go-xla, registered as "xla" and its
// aliases "stablehlo", "shlo", "hlo"), so that Config.Backend or
// $GOMLX_BACKEND = "xla:cpu", "xla:cuda", ... select it at run time (it is
// the GPU path). It uses cgo and, when the backend is created, loads the
// PJRT plugin pjrt_c_api_<name>_plugin.so with dlopen from
// $PJRT_PLUGIN_LIBRARY_PATH or the system's library paths; go-xla
// downloads a missing plugin unless GOMLX_NO_AUTO_INSTALL is set. Without
// the tag the build needs no cgo and carries only the pure-Go backend.

import _ "github.com/gomlx/go-xla/compute/xla" // registers the "xla" backend
