package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/scope"
)

// cli is the principal of the command line: it has the operator's shell, so it may do what admin may.
var cli = scope.Principal{Username: "cli", Role: scope.Admin}

func user(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: tuoguan user create -username NAME -role admin|bureau|collective|provider [-region CODE | -collective ID | -provider ID] (password on standard input)")
	}
	var cfg config
	var in account.NewUser
	var role string
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	cfg.flags(fs, getenv)
	fs.StringVar(&in.Username, "username", "", "account name")
	fs.StringVar(&role, "role", "", "admin, bureau, collective or provider")
	fs.StringVar(&in.RegionCode, "region", "", "region code of a bureau account")
	fs.Int64Var(&in.CollectiveID, "collective", 0, "collective id of a collective account")
	fs.Int64Var(&in.ProviderID, "provider", 0, "provider id of a provider account")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	in.Role = scope.Role(role)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("read the password from standard input: %w", err)
	}
	in.Password = strings.TrimRight(line, "\r\n")
	log, err := cfg.logger(io.Discard)
	if err != nil {
		return err
	}
	db, svc, err := cfg.open(ctx, log, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := svc.Accounts.Create(ctx, cli, in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created account %d %q (%s)\n", u.ID, u.Username, u.Role)
	return nil
}
