// Starts what the browser tests run against: a fresh database loaded with the demo county by `tuoguan demo`,
// and `tuoguan serve` on a free port. BASE_URL instead points the tests at a server already running.
import { spawn, spawnSync } from 'node:child_process'
import { createServer } from 'node:net'
import { statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function run(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** The password the server's bootstrap gives the admin account. */
export const ADMIN_PASSWORD = 'browser-test-admin'

/** start returns { base, stop } for a server with the demo county loaded. */
export async function start() {
  if (process.env.BASE_URL) return { base: process.env.BASE_URL.replace(/\/$/, ''), stop: async () => {} }
  const bin = process.env.TUOGUAN_BIN
  if (!bin) throw new Error('set TUOGUAN_BIN to the tuoguan binary (make test-web does) or BASE_URL to a running server')
  const admin = new URL(process.env.TEST_DATABASE_URL || 'postgres://postgres:postgres@127.0.0.1:5432/postgres?sslmode=disable')
  const psql = (sql) => run('psql', [admin.toString(), '-qAtc', sql], process.env).trim()
  const url = (dbName) => Object.assign(new URL(admin), { pathname: '/' + dbName }).toString()
  // One demo load serves every test file of a build: the first start loads the county into a template database
  // named after the binary, each test file clones it in a moment. The key that sealed its personal data goes
  // with it.
  const template = `tuoguan_web_tmpl_${Math.floor(statSync(bin).mtimeMs)}`
  const keyFile = join(tmpdir(), template + '.key')
  const baseEnv = {
    ...process.env,
    TUOGUAN_BOOTSTRAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
    TUOGUAN_DATA_KEY_FILE: keyFile,
    TUOGUAN_LOG_FORMAT: 'json',
    TUOGUAN_LOG_LEVEL: 'warn',
  }
  const t0 = Date.now()
  if (psql(`SELECT count(*) FROM pg_database WHERE datname = '${template}'`) === '0') {
    // Other builds' templates go, but for one in use: another worktree's tests may be loading or cloning theirs.
    for (const old of psql(`SELECT datname FROM pg_database WHERE datname LIKE 'tuoguan_web_tmpl_%'`).split('\n').filter(Boolean)) {
      spawnSync('psql', [admin.toString(), '-qc', `DROP DATABASE IF EXISTS "${old}"`], { stdio: 'ignore' }) // refused while connected
    }
    psql(`DROP DATABASE IF EXISTS "${template}_loading" WITH (FORCE)`) // what a load cut short left
    run(bin, ['demo'], { ...baseEnv, DATABASE_URL: url(template + '_loading') }) // creates and migrates it, then loads
    psql(`ALTER DATABASE "${template}_loading" RENAME TO "${template}"`)
  }
  const name = `tuoguan_web_${process.pid}_${Date.now()}`
  psql(`CREATE DATABASE "${name}" TEMPLATE "${template}"`)
  const demoSeconds = (Date.now() - t0) / 1000
  const port = await freePort()
  const env = { ...baseEnv, DATABASE_URL: url(name), TUOGUAN_ADDR: `127.0.0.1:${port}` }
  const server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  server.stderr.on('data', (b) => (log = (log + b).slice(-4000)))
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(base + '/readyz')).ok) break
    } catch {
      /* not yet listening */
    }
    if (server.exitCode !== null || i > 100) throw new Error('the server did not become ready:\n' + log)
    await new Promise((r) => setTimeout(r, 100))
  }
  console.log(`# demo county ready in ${name} in ${demoSeconds.toFixed(1)} s (cloned from ${template}); server on ${base}`)
  return {
    base,
    async stop() {
      server.kill('SIGTERM')
      await new Promise((r) => (server.exitCode !== null ? r() : server.once('exit', r)))
      // Drop the database when psql is at hand; a kept one is harmless and named above.
      spawnSync('psql', [admin.toString(), '-qc', `DROP DATABASE IF EXISTS "${name}"`], { stdio: 'ignore' })
    },
  }
}
