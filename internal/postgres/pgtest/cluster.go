package pgtest

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
	"testing"
	"time"
)

// Cluster is a PostgreSQL server of a test's own, for tests that stop, crash and restart the database under
// a running service — never the shared server of TEST_DATABASE_URL, which other tests use. Its data lives
// in a temporary directory, it listens on a free port of 127.0.0.1 and trusts local connections; it is
// crashed and removed when the test ends.
//
// initdb and postgres refuse to run as root: as root, the cluster runs as the operating system's postgres
// user; otherwise as the current user.
type Cluster struct {
	t    testing.TB
	bin  string   // directory of initdb, pg_ctl and postgres
	as   []string // command prefix that runs a program as the cluster's user; nil for the current user
	dir  string   // owned by the cluster's user: data, socket and log
	Port int
}

// NewCluster creates and starts a cluster for t. When the PostgreSQL server programs are not installed it
// skips t, unless the environment variable CI is set: continuous integration must run such a test, so
// there it fails saying what is missing.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin, err := serverBin()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("pgtest: %v; CI runs this test: install the PostgreSQL server (apt-get install postgresql) or set PG_BINDIR", err)
		}
		t.Skipf("pgtest: %v (set PG_BINDIR, or CI=true to make this a failure)", err)
	}
	c := &Cluster{t: t, bin: bin}
	if os.Geteuid() == 0 {
		c.as, err = asPostgres()
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	c.sweep()
	c.dir, err = os.MkdirTemp("", clusterPrefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(c.dir) })
	if c.as != nil {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(c.dir, uid, gid); err != nil {
			t.Fatalf("pgtest: give %s to the postgres user: %v", c.dir, err)
		}
	}
	c.Port = freePort(t)
	if out, err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Crash() })
	return c
}

// clusterPrefix begins the name of every cluster's directory.
const clusterPrefix = "tuoguan-pgcluster-"

// staleAfter is how long after its last start a cluster is taken for one whose test was killed before it
// could clean up (an interrupted go test), far longer than any test runs.
const staleAfter = time.Hour

// sweep crashes and removes the clusters that killed tests left behind, so that their servers do not run on
// forever; clusters of tests running now are younger than staleAfter and left alone.
func (c *Cluster) sweep() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), clusterPrefix+"*"))
	for _, dir := range dirs {
		fi, err := os.Stat(dir)
		if err != nil || time.Since(fi.ModTime()) < staleAfter {
			continue
		}
		old := &Cluster{bin: c.bin, as: c.as, dir: dir}
		if _, err := os.Stat(filepath.Join(old.data(), "postmaster.pid")); err == nil {
			_ = old.Crash()
		}
		os.RemoveAll(dir)
	}
}

// URL is the URL of database on the cluster, as the postgres user.
func (c *Cluster) URL(database string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, database)
}

// Start starts the server and returns once it accepts connections, after crash recovery when it crashed.
// fsync is off: a crashed server process loses nothing the kernel was given, and only a crash of the
// machine would need it.
func (c *Cluster) Start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60 -c shared_buffers=32MB", c.Port, c.dir)
	if out, err := c.run("pg_ctl", "start", "-w", "-t", "60", "-D", c.data(), "-l", c.log(), "-o", opts); err != nil {
		return fmt.Errorf("pgtest: start the cluster: %v\n%s\n%s", err, out, c.logTail())
	}
	return nil
}

// Crash stops the server at once, as a crash does: every backend is killed without a checkpoint, so the
// next Start runs crash recovery. It returns once the server is gone.
func (c *Cluster) Crash() error {
	if out, err := c.run("pg_ctl", "stop", "-m", "immediate", "-w", "-t", "60", "-D", c.data()); err != nil {
		return fmt.Errorf("pgtest: crash the cluster: %v\n%s", err, out)
	}
	return nil
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *Cluster) log() string  { return filepath.Join(c.dir, "server.log") }

// logTail is the end of the server's log, for a failure message.
func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(c.log())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// run runs one of the server's programs as the cluster's user.
func (c *Cluster) run(program string, args ...string) ([]byte, error) {
	argv := append(append(append([]string{}, c.as...), filepath.Join(c.bin, program)), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = c.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// serverBin finds the directory of the PostgreSQL server programs: PG_BINDIR, the newest of Debian's
// /usr/lib/postgresql/<version>/bin, or the directory of an initdb on PATH.
func serverBin() (string, error) {
	has := func(dir string) bool {
		for _, p := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv("PG_BINDIR"); dir != "" {
		if !has(dir) {
			return "", fmt.Errorf("PG_BINDIR=%s holds no initdb, pg_ctl and postgres", dir)
		}
		return dir, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil && has(filepath.Dir(p)) {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed")
}

func version(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// asPostgres is the command prefix that runs a program as the postgres user, for a root process.
func asPostgres() ([]string, error) {
	if _, err := user.Lookup("postgres"); err != nil {
		return nil, fmt.Errorf("running as root, the cluster needs the operating system user postgres: %v", err)
	}
	// A PATH without the sbin directories (as a minimal environment has) still finds it where util-linux puts it.
	for _, p := range []string{"runuser", "/usr/sbin/runuser", "/sbin/runuser"} {
		if path, err := exec.LookPath(p); err == nil {
			return []string{path, "-u", "postgres", "--"}, nil
		}
	}
	return nil, fmt.Errorf("running as root, the cluster needs runuser (util-linux) to run PostgreSQL as the postgres user")
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
