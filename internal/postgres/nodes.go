package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Nodes are the servers a database is made on: the server a URL names, then, when that server is a Citus
// coordinator (its database has the citus extension), its active primary workers. Each node is addressed
// by that URL with its own host and port; the first is the server itself.
type Nodes struct {
	server string
	list   []node
}

type node struct {
	host string
	port uint16
}

// NodesOf returns the nodes of the server that server, a postgres:// URL, names.
func NodesOf(ctx context.Context, server string) (Nodes, error) {
	ns := Nodes{server: server}
	admin, err := ns.connect(ctx, node{}, "")
	if err != nil {
		return ns, err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	cfg := admin.Config()
	ns.list = []node{{cfg.Host, cfg.Port}}
	var citus bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')").Scan(&citus); err != nil || !citus {
		return ns, err
	}
	rows, err := admin.Query(ctx, "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 AND isactive AND noderole = 'primary' ORDER BY nodeid")
	if err != nil {
		return ns, err
	}
	workers, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (node, error) {
		var n node
		var port int32
		err := r.Scan(&n.host, &port)
		n.port = uint16(port)
		return n, err
	})
	ns.list = append(ns.list, workers...)
	return ns, err
}

// Workers is the number of Citus workers: 0 on plain PostgreSQL.
func (ns Nodes) Workers() int { return len(ns.list) - 1 }

// Exec runs each statement in the maintenance database of every node, all on one node before the next.
func (ns Nodes) Exec(ctx context.Context, statements ...string) error {
	for _, n := range ns.list {
		if err := ns.execOn(ctx, n, "", statements...); err != nil {
			return err
		}
	}
	return nil
}

// Create creates the empty database name on every node. On a Citus cluster it makes the databases one
// cluster: the extension on each node, then the coordinator told its own address and its workers', with
// shardCount shards for each distributed table (Citus's default when 0).
func (ns Nodes) Create(ctx context.Context, name string, shardCount int) error {
	if err := ns.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil || ns.Workers() == 0 {
		return err
	}
	for _, n := range ns.list {
		if err := ns.execOn(ctx, n, name, "CREATE EXTENSION citus"); err != nil {
			return err
		}
	}
	coordinator := ns.list[0]
	var join []string
	if shardCount > 0 {
		join = append(join, fmt.Sprintf("ALTER DATABASE %s SET citus.shard_count = %d", pgx.Identifier{name}.Sanitize(), shardCount))
	}
	join = append(join, fmt.Sprintf("SELECT citus_set_coordinator_host('%s', %d)", coordinator.host, coordinator.port))
	for _, w := range ns.list[1:] {
		join = append(join, fmt.Sprintf("SELECT citus_add_node('%s', %d)", w.host, w.port))
	}
	return ns.execOn(ctx, coordinator, name, join...)
}

// Drop drops database name on every node, when it exists. The daemons a Citus cluster keeps in each of its
// databases connect to one another's nodes, so it first shuts the database on every node, then ends its
// sessions, then drops it, trying again while a session is still leaving.
func (ns Nodes) Drop(ctx context.Context, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	if ok, err := ns.exists(ctx, name); err != nil || !ok {
		return err
	}
	if ns.Workers() > 0 {
		if err := ns.Exec(ctx, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS false",
			fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '%s'", name)); err != nil {
			return err
		}
	}
	var err error
	for range 10 {
		if err = ns.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err == nil {
			return nil
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55006" {
			return err
		}
	}
	return err
}

// exists reports whether the server holds database name.
func (ns Nodes) exists(ctx context.Context, name string) (bool, error) {
	c, err := ns.connect(ctx, node{}, "")
	if err != nil {
		return false, err
	}
	defer c.Close(context.WithoutCancel(ctx))
	var ok bool
	err = c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&ok)
	return ok, err
}

// connect connects to database (the URL's own when empty) on n (the server itself when zero).
func (ns Nodes) connect(ctx context.Context, n node, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(ns.server)
	if err != nil {
		return nil, fmt.Errorf("database server URL: %w", err)
	}
	if n.host != "" {
		cfg.Host, cfg.Port = n.host, n.port
	}
	if database != "" {
		cfg.Database = database
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	return c, nil
}

// execOn runs each statement in database on n.
func (ns Nodes) execOn(ctx context.Context, n node, database string, statements ...string) error {
	c, err := ns.connect(ctx, n, database)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	for _, q := range statements {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s:%d: %w", n.host, n.port, err)
		}
	}
	return nil
}

// WithDatabase is server, a postgres:// URL, with its database replaced by name.
func WithDatabase(server, name string) (string, error) {
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("the database server's URL must be a postgres:// URL")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}
