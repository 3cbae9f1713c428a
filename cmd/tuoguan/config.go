package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/tuoguan/tuoguan/internal/account"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/services"
)

// config is what every command reads from the environment, overridable by flags.
type config struct {
	databaseURL string
	addr        string
	dataKey     string
	dataKeyFile string
	logLevel    string
	logFormat   string
}

// flags registers the configuration flags on fs with defaults from getenv.
func (c *config) flags(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&c.databaseURL, "database-url", or(getenv("DATABASE_URL"), postgres.DefaultURL), "PostgreSQL URL (DATABASE_URL)")
	fs.StringVar(&c.addr, "addr", or(getenv("TUOGUAN_ADDR"), ":8080"), "listen address (TUOGUAN_ADDR)")
	c.dataKey = getenv(pii.KeyEnv)
	fs.StringVar(&c.dataKeyFile, "data-key-file", or(getenv("TUOGUAN_DATA_KEY_FILE"), defaultKeyFile()), "key file used when TUOGUAN_DATA_KEY is not set (TUOGUAN_DATA_KEY_FILE)")
	fs.StringVar(&c.logLevel, "log-level", or(getenv("TUOGUAN_LOG_LEVEL"), "info"), "debug, info, warn or error (TUOGUAN_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", getenv("TUOGUAN_LOG_FORMAT"), "json or text; text on a terminal, json otherwise (TUOGUAN_LOG_FORMAT)")
}

func or(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

// defaultKeyFile is where a developer's first run keeps its generated data key.
func defaultKeyFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = "."
	}
	return filepath.Join(dir, "tuoguan", "data.key")
}

// logger builds the process logger: JSON when stdout is not a terminal, unless the format says otherwise.
func (c *config) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.logLevel)
	}
	format := c.logFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want json or text", format)
}

// keys loads the personal-data key: TUOGUAN_DATA_KEY when set (refusing a malformed one), otherwise the key
// file, created with a fresh key on a developer's first run.
func (c *config) keys(log *slog.Logger) (*pii.Keyring, error) {
	if c.dataKey != "" {
		k, err := pii.ParseKey(c.dataKey)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pii.KeyEnv, err)
		}
		return k, nil
	}
	k, created, err := pii.LoadOrCreateKeyFile(c.dataKeyFile)
	if err != nil {
		return nil, fmt.Errorf("data key file: %w", err)
	}
	if created {
		log.Warn("created a new personal-data key file; set TUOGUAN_DATA_KEY in production", slog.String("file", c.dataKeyFile))
	}
	return k, nil
}

// open is what every command that works on the data does first: it loads the data key, opens the database
// at url (creating and migrating it as needed), checks that the key is the one its personal data was sealed
// with, and builds the services over both. The caller closes the database.
func (c *config) open(ctx context.Context, log *slog.Logger, url string) (*postgres.DB, services.Services, error) {
	keys, err := c.keys(log)
	if err != nil {
		return nil, services.Services{}, err
	}
	db, err := openMigrated(ctx, url, log)
	if err != nil {
		return nil, services.Services{}, err
	}
	if err := checkDataKey(ctx, db, keys); err != nil {
		db.Close()
		return nil, services.Services{}, err
	}
	return db, services.New(db, keys, account.Config{}), nil
}

// redactedURL is the database URL without its password, for logs.
func redactedURL(u string) string {
	at := strings.LastIndex(u, "@")
	scheme := strings.Index(u, "://")
	if at < 0 || scheme < 0 {
		return u
	}
	cred := u[scheme+3 : at]
	if user, _, ok := strings.Cut(cred, ":"); ok {
		return u[:scheme+3] + user + ":***" + u[at:]
	}
	return u
}
