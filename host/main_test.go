package host

import (
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// As the server does with its longest route timeout: a runaway regexp
	// left behind by a timed-out test stops soon.
	SetRegexpTimeout(2 * time.Second)
	os.Exit(m.Run())
}
