// bundle.go: ES module and TypeScript scripts. esbuild bundles the script
// with its relative imports and the node_modules packages it imports into
// one CommonJS program for ES2017 (what goja runs), with an inline source
// map, so errors name the original files and lines. Node built-ins stay
// require() calls, which the runtime answers (modules.go). Nothing outside
// the scripts' root (and the extra module folders) is read.

package js

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/dop251/goja/parser"
	"github.com/evanw/esbuild/pkg/api"

	"scriptsrv/host/engine"
)

// moduleExts are the extensions that are always bundled.
var moduleExts = map[string]api.Loader{
	".mjs": api.LoaderJS, ".ts": api.LoaderTS, ".mts": api.LoaderTS, ".cts": api.LoaderTS,
	".tsx": api.LoaderTSX, ".jsx": api.LoaderJSX,
}

// needsBundle reports whether a script is an ES module (or TypeScript,
// JSX): one goja cannot parse as a script, that imports or exports.
func needsBundle(src *engine.Source) bool {
	if _, ok := moduleExts[strings.ToLower(filepath.Ext(src.File))]; ok {
		return true
	}
	if _, err := parser.ParseFile(nil, src.Name, src.Text, 0, parser.WithDisableSourceMaps); err == nil {
		return false
	}
	return strings.Contains(src.Text, "import") || strings.Contains(src.Text, "export")
}

// bundled is a bundled script: its code, the names it exports, and the
// files it was made of (absolute).
type bundled struct {
	code    string
	exports []string
	inputs  []string
}

// bundle builds a script with esbuild.
func bundle(src *engine.Source) (*bundled, error) {
	file, err := filepath.Abs(src.File)
	if err != nil {
		return nil, err
	}
	res := api.Build(api.BuildOptions{
		EntryPoints:   []string{file},
		AbsWorkingDir: src.Root,
		Outfile:       filepath.Join(filepath.Dir(file), "bundle.js"), // never written; the source map's sources are relative to it
		Bundle:        true,
		Write:         false,
		Format:        api.FormatCommonJS,
		Platform:      api.PlatformNode,
		Target:        api.ES2017,
		Sourcemap:     api.SourceMapInline,
		Metafile:      true,
		NodePaths:     src.Options.Modules,
		JSXFactory:    src.Options.JSXFactory,
		JSXFragment:   src.Options.JSXFragment,
		LogLevel:      api.LogLevelSilent,
		Loader:        map[string]api.Loader{".js": api.LoaderJS, ".mjs": api.LoaderJS, ".cjs": api.LoaderJS},
		Plugins:       []api.Plugin{confine(src.Root, src.Options.Modules)},
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("%s", buildMessages(src.Name, res.Errors))
	}
	b := &bundled{code: string(res.OutputFiles[0].Contents)}
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, fmt.Errorf("esbuild metafile: %w", err)
	}
	for in := range meta.Inputs {
		b.inputs = append(b.inputs, filepath.Join(src.Root, filepath.FromSlash(in)))
	}
	b.exports, err = exportsOf(file, src.Root)
	return b, err
}

// exportsOf lists the names a module file exports (esbuild reports them
// for ES module output only, so the file is transformed alone for this).
func exportsOf(file, root string) ([]string, error) {
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{file}, AbsWorkingDir: root, Outfile: file + ".exports.js",
		Write: false, Format: api.FormatESModule, Platform: api.PlatformNode, Metafile: true, LogLevel: api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		return nil, fmt.Errorf("%s", buildMessages(file, res.Errors))
	}
	var meta struct {
		Outputs map[string]struct {
			Exports []string `json:"exports"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return nil, fmt.Errorf("esbuild metafile: %w", err)
	}
	var names []string
	for _, o := range meta.Outputs {
		names = append(names, o.Exports...)
	}
	return names, nil
}

// confine refuses to load any file outside root and the extra folders.
func confine(root string, extra []string) api.Plugin {
	inside := func(p string) bool {
		for _, dir := range append([]string{root}, extra...) {
			if rel, err := filepath.Rel(dir, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	return api.Plugin{Name: "confine", Setup: func(b api.PluginBuild) {
		b.OnLoad(api.OnLoadOptions{Filter: ".*"}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			if a.Namespace == "file" && !inside(a.Path) {
				return api.OnLoadResult{}, fmt.Errorf("%s is outside the scripts' root (%s)", a.Path, root)
			}
			return api.OnLoadResult{}, nil // load as usual
		})
	}}
}

// buildMessages formats esbuild's errors as file:line:column: text (file
// as esbuild names it, or name for the file itself).
func buildMessages(name string, msgs []api.Message) string {
	var b strings.Builder
	for i, m := range msgs {
		if i > 0 {
			b.WriteString("; ")
		}
		if l := m.Location; l != nil {
			file := l.File
			if file == "" || file == "<stdin>" {
				file = name
			}
			fmt.Fprintf(&b, "%s:%d:%d: ", file, l.Line, l.Column+1)
		}
		b.WriteString(m.Text)
	}
	return b.String()
}
