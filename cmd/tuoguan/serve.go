package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/tuoguan/tuoguan/internal/httpapi"
	"github.com/tuoguan/tuoguan/internal/pii"
	"github.com/tuoguan/tuoguan/internal/postgres"
	"github.com/tuoguan/tuoguan/internal/services"
	"github.com/tuoguan/tuoguan/migrations"
)

// shutdownGrace is how long in-flight requests may take to finish after SIGTERM.
const shutdownGrace = 25 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	var cfg config
	var certFile, keyFile string
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg.flags(fs, getenv)
	fs.StringVar(&certFile, "tls-cert", getenv("TUOGUAN_TLS_CERT"), "PEM certificate (chain) file: serve HTTPS with -tls-key (TUOGUAN_TLS_CERT)")
	fs.StringVar(&keyFile, "tls-key", getenv("TUOGUAN_TLS_KEY"), "PEM private key file of -tls-cert (TUOGUAN_TLS_KEY)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tlsCfg, err := tlsConfig(certFile, keyFile)
	if err != nil {
		return err
	}
	log, err := cfg.logger(stdout)
	if err != nil {
		return err
	}
	log.Info("starting", slog.String("version", version), slog.String("addr", cfg.addr),
		slog.String("database", redactedURL(cfg.databaseURL)), slog.String("log_level", cfg.logLevel))
	db, svc, err := cfg.open(ctx, log, cfg.databaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if pw := getenv("TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD"); pw != "" {
		created, err := svc.Accounts.Bootstrap(ctx, pw)
		if err != nil {
			return fmt.Errorf("bootstrap admin: %w", err)
		}
		if created {
			log.Info("created the admin account 'admin'")
		}
	}
	go housekeeping(ctx, svc, log)
	httpapi.CollectLess(getenv)
	h := httpapi.New(svc, httpapi.Config{Log: log, DB: db.SQL, Migrations: migrations.FS, Version: version})
	srv := httpapi.HTTPServer(cfg.addr, h)
	errc := make(chan error, 1)
	go func() { errc <- listen(srv, tlsCfg) }()
	log.Info("listening", slog.String("addr", cfg.addr), slog.Bool("https", tlsCfg != nil), slog.String("docs", "/docs"))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// tlsConfig loads the certificate and key the server answers HTTPS with: none when neither is set (plain HTTP,
// for localhost or behind a reverse proxy that holds the certificate), an error when only one is, or when they do
// not load. Phones need HTTPS for the field app to work offline: browsers run service workers in secure contexts
// only.
func tlsConfig(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("HTTPS needs both a certificate and its key (TUOGUAN_TLS_CERT and TUOGUAN_TLS_KEY)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// listen serves srv over HTTPS when cfg is set, else over plain HTTP.
func listen(srv *http.Server, cfg *tls.Config) error {
	if cfg == nil {
		return srv.ListenAndServe()
	}
	srv.TLSConfig = cfg
	return srv.ListenAndServeTLS("", "")
}

// openMigrated opens the database, creating it when missing, and applies pending migrations.
func openMigrated(ctx context.Context, url string, log *slog.Logger) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	applied, err := migrations.Apply(ctx, db.SQL)
	if err != nil {
		db.Close()
		return nil, err
	}
	for _, name := range applied {
		log.Info("applied migration", slog.String("migration", name))
	}
	return db, nil
}

// checkDataKey makes sure keys is the key the database's personal data was sealed with: the first start
// records a fingerprint of the key, later starts compare against it, so a lost or swapped key file is
// noticed at once instead of when lookups quietly stop matching.
func checkDataKey(ctx context.Context, db *postgres.DB, keys *pii.Keyring) error {
	fp := keys.Lookup("key_fingerprint", "tuoguan")
	if _, err := db.SQL.ExecContext(ctx, "INSERT INTO data_key_fingerprint (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", fp); err != nil {
		return err
	}
	var stored []byte
	if err := db.SQL.QueryRowContext(ctx, "SELECT fingerprint FROM data_key_fingerprint WHERE id = 1").Scan(&stored); err != nil {
		return err
	}
	if !bytes.Equal(stored, fp) {
		return fmt.Errorf("the personal-data key (%s or the key file) is not the one this database was written with; "+
			"restore the original key", pii.KeyEnv)
	}
	return nil
}

// housekeeping forgets old idempotency keys and dead sessions, now and every hour, until ctx ends.
func housekeeping(ctx context.Context, svc services.Services, log *slog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		if n, err := svc.Operations.ForgetKeys(ctx); err != nil {
			log.Warn("forget idempotency keys", slog.Any("error", err))
		} else if n > 0 {
			log.Info("forgot idempotency keys", slog.Int64("keys", n))
		}
		if n, err := svc.Accounts.PurgeSessions(ctx); err != nil {
			log.Warn("purge sessions", slog.Any("error", err))
		} else if n > 0 {
			log.Info("purged sessions", slog.Int64("sessions", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
