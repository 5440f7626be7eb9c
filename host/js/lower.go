// lower.go: source goja cannot run as it is — ES module syntax in a
// package that require() loads, async generators — rewritten by esbuild
// as CommonJS for ES2017, with an inline source map so that errors name
// the original file and line.

package js

import (
	"fmt"
	"path"

	"github.com/evanw/esbuild/pkg/api"
)

// lower rewrites a module's source; name is its path, for messages.
func lower(name, text string) (string, error) {
	res := api.Transform(text, api.TransformOptions{
		Loader:     api.LoaderJS,
		Format:     api.FormatCommonJS,
		Target:     api.ES2017,
		Sourcefile: path.Base(name), // the map's source, relative to the file
		Sourcemap:  api.SourceMapInline,
		LogLevel:   api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		for _, m := range res.Errors {
			if m.Location != nil {
				m.Location.File = name // the Sourcefile is its base name
			}
		}
		return "", fmt.Errorf("%s", buildMessages(name, res.Errors))
	}
	return string(res.Code), nil
}
