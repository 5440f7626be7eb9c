// require.go: require() of CommonJS modules, confined to the scripts' root.

package js

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dop251/goja_nodejs/require"
)

// errOutsideRoot is the error of a require() that would leave the root.
var errOutsideRoot = errors.New("outside the scripts' root")

// newRegistry makes require() load CommonJS modules from root only:
// relative names resolve against the requiring file, and absolute paths,
// ".." escapes and symlinks out of root are refused (os.OpenInRoot).
func newRegistry(root string, loaded func(string)) *require.Registry {
	load := func(p string) ([]byte, error) {
		clean := path.Clean(p)
		if path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") {
			return nil, errOutsideRoot
		}
		f, err := os.OpenInRoot(root, clean)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, require.ModuleFileDoesNotExistError
			}
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err != nil || fi.IsDir() {
			return nil, require.ModuleFileDoesNotExistError
		}
		if loaded != nil {
			loaded(filepath.Join(root, filepath.FromSlash(clean)))
		}
		return io.ReadAll(f)
	}
	return require.NewRegistry(
		require.WithLoader(load),
		require.WithPathResolver(func(base, p string) string { return path.Join(base, p) }),
	)
}
