module scriptsrv

go 1.26.0

require go.uber.org/goleak v1.3.0

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/dlclark/regexp2/v2 v2.5.2 // indirect
	github.com/dop251/goja v0.0.0-20260917113740-793a2a65c13b // indirect
	github.com/dop251/goja_nodejs v0.0.0-20260212111938-1f56ff5bcf14 // indirect
	github.com/go-sourcemap/sourcemap v2.1.4+incompatible // indirect
	github.com/google/pprof v0.0.0-20240727154555-813a5fbdbec8 // indirect
	github.com/prometheus/client_golang v1.25.0 // indirect
	github.com/yuin/gopher-lua v1.1.2 // indirect
	golang.org/x/text v0.42.0 // indirect
)
