package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tuoguan/tuoguan/internal/pii"
)

// servers starts the tuoguan binary as a process of its own, one process per measured phase, and follows
// its output and resident memory.
type servers struct {
	bin, dbURL, key string
	out             *serverOutput
	logFile         *os.File
	// resettable reports whether writing 5 to /proc/<pid>/clear_refs reset the last process's VmHWM.
	resettable bool
}

func newServers(bin, dbURL, key, logPath string) (*servers, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	s := &servers{bin: abs, dbURL: dbURL, key: key, out: &serverOutput{sink: io.Discard}}
	if logPath != "" {
		if s.logFile, err = os.Create(logPath); err != nil {
			return nil, err
		}
		s.out.sink = s.logFile
	}
	return s, nil
}

// close reports the errors the servers logged and closes the log.
func (s *servers) close(out io.Writer) error {
	if n, first := s.out.errors(); n > 0 {
		fmt.Fprintf(out, "the server logged %d errors; the first: %s\n", n, first)
	}
	if s.logFile != nil {
		return s.logFile.Close()
	}
	return nil
}

// phaseRunner runs do against a server, given its base URL, and reports the server's memory over it.
type phaseRunner interface {
	run(ctx context.Context, do func(base string) error) (phaseMemory, error)
}

// run starts a server, measures it over do as phase does and stops it with SIGTERM: servers is the
// phaseRunner of a fresh process per phase.
func (s *servers) run(ctx context.Context, do func(base string) error) (phaseMemory, error) {
	p, err := s.start(ctx)
	if err != nil {
		return phaseMemory{}, err
	}
	mem, err := s.phase(p, do)
	if serr := p.stop(); serr != nil && err == nil {
		err = serr
	}
	return mem, err
}

// phase calls do with p's base URL and reports p's memory over it: VmRSS before, and the peak, VmHWM (reset
// first when the kernel allows) and VmRSS sampled every 100 ms, and the largest Go heap a GC started at.
func (s *servers) phase(p *serverProc, do func(base string) error) (phaseMemory, error) {
	pid := p.cmd.Process.Pid
	s.resettable = resetPeak(pid)
	s.out.takeHeap()
	before, _ := procMemory(pid)
	m := newMemWatch(pid)
	err := do(p.base)
	mem := m.stop()
	mem.before, mem.heap = before, s.out.takeHeap()
	return mem, err
}

// liveServer is the phaseRunner of one server process that serves every phase.
type liveServer struct {
	s *servers
	p *serverProc
}

func (l liveServer) run(_ context.Context, do func(base string) error) (phaseMemory, error) {
	return l.s.phase(l.p, do)
}

// serverProc is one server process.
type serverProc struct {
	cmd     *exec.Cmd
	base    string
	out     *serverOutput
	done    chan struct{}
	waitErr error
}

// start runs the binary's serve on a free port of 127.0.0.1 with the database and data key, and waits for /readyz.
func (s *servers) start(ctx context.Context) (*serverProc, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(s.bin, "serve")
	set := map[string]string{"DATABASE_URL": s.dbURL, "TUOGUAN_ADDR": addr, pii.KeyEnv: s.key,
		"TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD": benchPassword, "TUOGUAN_LOG_FORMAT": "json", "TUOGUAN_LOG_LEVEL": "info",
		"GODEBUG": "gctrace=1"}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, ours := set[name]; !ours && !strings.HasPrefix(name, "TUOGUAN_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range set {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &serverProc{cmd: cmd, base: "http://" + addr, out: s.out, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s serve: %w", s.bin, err)
	}
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		readers.Go(func() { s.out.scan(r) })
	}
	go func() {
		readers.Wait()
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	hc := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case <-p.done:
			return nil, fmt.Errorf("%s serve exited before it was ready (%v):\n%s", s.bin, p.waitErr, s.out.tail())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := hc.Get(p.base + "/readyz"); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.resettable = resetPeak(cmd.Process.Pid)
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s serve was not ready after a minute:\n%s", s.bin, s.out.tail())
		}
	}
}

// stop sends SIGTERM and waits for the server to drain and exit, killing it after 40 s.
func (p *serverProc) stop() error {
	select {
	case <-p.done:
	default:
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case <-p.done:
		case <-time.After(40 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
			return errors.New("the server did not stop within 40 s of SIGTERM and was killed")
		}
	}
	if p.waitErr != nil {
		return fmt.Errorf("the server exited with %v:\n%s", p.waitErr, p.out.tail())
	}
	return nil
}

// serverOutput follows the servers' output: their JSON log and the GC trace the runtime writes to stderr.
type serverOutput struct {
	mu       sync.Mutex
	sink     io.Writer
	last     []string // the last lines, to show when a server fails
	nErrors  int
	firstErr string
	heap     int64 // the largest heap a GC started at since the last takeHeap, in bytes
}

// gcLine matches the heap sizes of a gctrace line: "gc 7 @1.2s 1%: …, 4->5->2 MB, 8 MB goal, …".
var gcLine = regexp.MustCompile(`^gc \d+ .* (\d+)->(\d+)->\d+ MB,`)

func (o *serverOutput) scan(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		o.mu.Lock()
		fmt.Fprintln(o.sink, line)
		if m := gcLine.FindStringSubmatch(line); m != nil {
			a, _ := strconv.ParseInt(m[1], 10, 64)
			b, _ := strconv.ParseInt(m[2], 10, 64)
			o.heap = max(o.heap, max(a, b)<<20) // gctrace's MB are MiB
		} else {
			if strings.Contains(line, `"level":"ERROR"`) {
				o.nErrors++
				if o.firstErr == "" {
					o.firstErr = line
				}
			}
			o.last = append(o.last, line)
			if len(o.last) > 20 {
				o.last = o.last[1:]
			}
		}
		o.mu.Unlock()
	}
}

func (o *serverOutput) tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return strings.Join(o.last, "\n")
}

func (o *serverOutput) errors() (int, string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.nErrors, o.firstErr
}

// takeHeap returns the largest heap since the last call and starts over.
func (o *serverOutput) takeHeap() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	h := o.heap
	o.heap = 0
	return h
}

// resetPeak resets the VmHWM of pid to its VmRSS, and reports whether the kernel allowed it.
func resetPeak(pid int) bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
}

// phaseMemory is a server's memory over one phase: VmRSS before it, its peak and the largest Go heap.
type phaseMemory struct {
	before, peak, heap int64
}

// memWatch samples a process's VmRSS every 100 ms from /proc/<pid>/status.
type memWatch struct {
	pid     int
	peak    int64
	stopc   chan struct{}
	stopped chan struct{}
}

func newMemWatch(pid int) *memWatch {
	m := &memWatch{pid: pid, stopc: make(chan struct{}), stopped: make(chan struct{})}
	go func() {
		defer close(m.stopped)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stopc:
				return
			case <-tick.C:
				rss, hwm := procMemory(m.pid)
				m.peak = max(m.peak, rss, hwm)
			}
		}
	}()
	return m
}

// stop ends the sampling and returns the peak: the largest VmRSS and VmHWM read, VmHWM read last.
func (m *memWatch) stop() phaseMemory {
	close(m.stopc)
	<-m.stopped
	rss, hwm := procMemory(m.pid)
	return phaseMemory{peak: max(m.peak, rss, hwm)}
}

// procMemory is VmRSS and VmHWM of pid in bytes; zeros when they cannot be read.
func procMemory(pid int) (rss, hwm int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			continue
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm
}
