// servers.go: a real Postgres and a real Redis on loopback for tests,
// started once per test binary and stopped by PID when it ends
// ([StopServers], called from TestMain).

package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var servers struct {
	mu       sync.Mutex
	pg       *server
	pgErr    error
	redis    *server
	redisErr error
	dbs      atomic.Int64
}

// server is a database server started for the test binary.
type server struct {
	cmd  *exec.Cmd
	dir  string
	addr string // host:port
	out  *SyncBuffer
}

func (s *server) stop() {
	if s == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	os.RemoveAll(s.dir)
}

// StopServers stops the Postgres and Redis this test binary started.
func StopServers() {
	servers.mu.Lock()
	defer servers.mu.Unlock()
	servers.pg.stop()
	servers.redis.stop()
	servers.pg, servers.redis = nil, nil
}

// Postgres returns the URL of a new, empty database on a Postgres server
// the test binary runs (initdb into a temp folder, as the postgres user
// when the tests run as root: Postgres refuses root). It skips (or fails
// with SCRIPTSRV_E2E=require) when Postgres is not installed.
func Postgres(t testing.TB) string {
	t.Helper()
	bin := pgBin(t)
	servers.mu.Lock()
	if servers.pg == nil && servers.pgErr == nil {
		servers.pg, servers.pgErr = startPostgres(bin)
	}
	pg, err := servers.pg, servers.pgErr
	servers.mu.Unlock()
	if err != nil {
		t.Fatalf("starting postgres: %v", err)
	}
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), servers.dbs.Add(1))
	psql := exec.Command(filepath.Join(bin, "psql"), "-h", "127.0.0.1", "-p", port(pg.addr), "-U", "postgres", "-d", "postgres",
		"-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE "+name)
	if out, err := psql.CombinedOutput(); err != nil {
		t.Fatalf("creating database %s: %v\n%s", name, err, out)
	}
	return "postgres://postgres@" + pg.addr + "/" + name + "?sslmode=disable"
}

// pgBin finds the folder of Postgres's programs.
func pgBin(t testing.TB) string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Strings(dirs)
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	return filepath.Dir(Need(t, "initdb"))
}

func startPostgres(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "scriptsrv-pg-")
	if err != nil {
		return nil, err
	}
	cred, err := nonRoot(dir)
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	addr := freeAddr()
	s := &server{dir: dir, addr: addr, out: &SyncBuffer{}}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-h", "127.0.0.1", "-p", port(addr), "-k", dir,
		"-c", "fsync=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	// Pdeathsig: a test binary that dies (a timeout's panic) takes its
	// servers with it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := waitTCP(addr, s.out, "database system is ready to accept connections", 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// nonRoot returns the credential of the postgres user when running as root
// (and gives it dir), or nil to run as ourselves.
func nonRoot(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		u, err = user.Lookup("nobody")
	}
	if err != nil {
		return nil, fmt.Errorf("running as root and no postgres or nobody user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// Redis returns the address of a Redis server the test binary runs, and a
// database number of its own, flushed. It skips (or fails with
// SCRIPTSRV_E2E=require) when redis-server is not installed.
func Redis(t testing.TB) (addr string, db int) {
	t.Helper()
	bin := Need(t, "redis-server")
	servers.mu.Lock()
	if servers.redis == nil && servers.redisErr == nil {
		servers.redis, servers.redisErr = startRedis(bin)
	}
	r, err := servers.redis, servers.redisErr
	servers.mu.Unlock()
	if err != nil {
		t.Fatalf("starting redis: %v", err)
	}
	db = int(servers.dbs.Add(1)%15) + 1
	if err := redisCommand(r.addr, "SELECT", strconv.Itoa(db), "FLUSHDB"); err != nil {
		t.Fatalf("flushing redis db %d: %v", db, err)
	}
	return r.addr, db
}

func startRedis(bin string) (*server, error) {
	dir, err := os.MkdirTemp("", "scriptsrv-redis-")
	if err != nil {
		return nil, err
	}
	addr := freeAddr()
	s := &server{dir: dir, addr: addr, out: &SyncBuffer{}}
	s.cmd = exec.Command(bin, "--port", port(addr), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--databases", "16")
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := waitTCP(addr, s.out, "Ready to accept connections", 10*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// redisCommand sends commands (each one word after the first's arguments:
// SELECT n, then FLUSHDB) and checks they succeed.
func redisCommand(addr string, args ...string) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n*1\r\n$%d\r\n%s\r\n", len(args[0]), args[0], len(args[1]), args[1], len(args[2]), args[2])
	buf := make([]byte, 64)
	got := 0
	for bytes.Count(buf[:got], []byte("\r\n")) < 2 {
		n, err := c.Read(buf[got:])
		if err != nil {
			return err
		}
		got += n
	}
	if !bytes.Equal(buf[:got], []byte("+OK\r\n+OK\r\n")) {
		return fmt.Errorf("redis answered %q", buf[:got])
	}
	return nil
}

// waitTCP waits until the server's log says it is ready and addr accepts.
func waitTCP(addr string, out *SyncBuffer, ready string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if bytes.Contains([]byte(out.String()), []byte(ready)) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not ready on %s after %v:\n%s", addr, d, out.String())
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
