// Command tuoguan is the Tuoguan server and its tools: serve, migrate, user, demo, import, verify, version.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "tuoguan:", err)
		os.Exit(1)
	}
}

const usage = `Usage: tuoguan <command> [flags]

Commands:
  serve     start the API server (creates and migrates the database first)
  migrate   create the database if missing and apply pending migrations
  user      manage accounts: tuoguan user create -username NAME -role ROLE [...]
  demo      load the Huanglong County demo data set: tuoguan demo [-if-empty] [-seed N]
  import    load farms or parcels from CSV: tuoguan import farms|parcels [-collective ID] [-dry-run] FILE.csv
  verify    recompute every running total and rollup from the operations and report what disagrees
  version   print the version

Run 'tuoguan <command> -h' for a command's flags. Configuration comes from the environment
(DATABASE_URL, TUOGUAN_ADDR, TUOGUAN_DATA_KEY, TUOGUAN_DATA_KEY_FILE, TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD,
TUOGUAN_LOG_LEVEL, TUOGUAN_LOG_FORMAT); flags override it.
`

// run executes the command in args; getenv, stdin and stdout stand for the process's own.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout)
	case "migrate":
		return migrate(ctx, args[1:], getenv, stdout)
	case "user":
		return user(ctx, args[1:], getenv, stdin, stdout)
	case "demo":
		return demoCmd(ctx, args[1:], getenv, stdout)
	case "import":
		return importCmd(ctx, args[1:], getenv, stdin, stdout)
	case "verify":
		return verify(ctx, args[1:], getenv, stdout)
	case "version":
		fmt.Fprintln(stdout, "tuoguan", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stdout, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
