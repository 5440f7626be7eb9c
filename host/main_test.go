package host

import (
	"os"
	"testing"
	"time"

	"scriptsrv/internal/e2e"
)

func TestMain(m *testing.M) {
	// As the server does with its longest route timeout: a runaway regexp
	// left behind by a timed-out test stops soon.
	SetRegexpTimeout(2 * time.Second)
	code := m.Run()
	e2e.StopServers()
	os.Exit(code)
}
