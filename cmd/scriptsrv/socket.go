// socket.go: who may connect to the FastCGI unix socket — its group
// (socket_group, -socket-group) and mode (socket_mode, -socket-mode) — and
// saying so in the start-up log.

package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// lookupGroup resolves a group name or number.
func lookupGroup(name string) (int, error) {
	if gid, err := strconv.Atoi(name); err == nil {
		return gid, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("no group %q on this machine", name)
	}
	return strconv.Atoi(g.Gid)
}

// setSocketGroup gives the socket at path to group ("" leaves it).
func setSocketGroup(path, group string) error {
	if group == "" {
		return nil
	}
	gid, err := lookupGroup(group)
	if err != nil {
		return err
	}
	if err := os.Chown(path, -1, gid); err != nil {
		return fmt.Errorf("giving %s to group %s: %w", path, group, err)
	}
	return nil
}

// whoCanConnect says who the socket's owner, group and mode let connect,
// for the start-up log: a web server running as another user (nginx as
// www-data) needs the group or the mode to let it in.
func whoCanConnect(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "unknown: " + err.Error()
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fi.Mode().Perm().String()
	}
	owner, group := strconv.Itoa(int(st.Uid)), strconv.Itoa(int(st.Gid))
	if u, err := user.LookupId(owner); err == nil {
		owner = u.Username
	}
	if g, err := user.LookupGroupId(group); err == nil {
		group = g.Name
	}
	mode := fi.Mode().Perm()
	switch {
	case mode&0o006 == 0o006:
		return fmt.Sprintf("anyone on this machine (mode %04o)", uint32(mode))
	case mode&0o060 == 0o060:
		return fmt.Sprintf("user %s and group %s (mode %04o); a web server running as another user needs that group (-socket-group, socket_group) or mode 0666", owner, group, uint32(mode))
	default:
		return fmt.Sprintf("user %s only (mode %04o); give a web server's group access with -socket-group and mode 0660", owner, uint32(mode))
	}
}
