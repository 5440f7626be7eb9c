// lower.go: source goja cannot run as it is — ES module syntax in a
// package that require() loads, async generators — rewritten by esbuild
// as CommonJS for ES2017, with an inline source map so that errors name
// the original file and line.

package js

import (
	"fmt"
	"path"
	"strings"

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
		return "", fmt.Errorf("%s", messages(name, res.Errors))
	}
	return string(res.Code), nil
}

// messages formats esbuild's errors as file:line:column: text.
func messages(name string, msgs []api.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteString("; ")
		}
		if m.Location != nil {
			fmt.Fprintf(&b, "%s:%d:%d: ", name, m.Location.Line, m.Location.Column+1)
		}
		b.WriteString(m.Text)
	}
	return b.String()
}
