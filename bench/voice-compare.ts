/**
 * `npm run bench:voice-compare -- --base <git ref>`: is the menu turn of this tree as fast as that of
 * another commit? Both are built as production is (esbuild, scripts/build.mjs's options) and served
 * from this one process, each on its own port with its own database and sessions; signed main-menu
 * turns (`*` at the main menu, as `bench:voice` (b)) are sent to them in short runs that alternate
 * A B B A ..., so that this machine's drift (a third between runs) falls on both alike. Each pair is
 * judged by its ratio, the whole by the median pair.
 *
 * Real Postgres and Redis with TEST_DATABASE_URL / TEST_REDIS_URL (or DATABASE_URL / REDIS_URL),
 * embedded PGlite and memory sessions otherwise. Flags: --base REF (default HEAD~1), --pairs 10,
 * --duration 3 (s per run), --connections 50. A benchmark, not a test: it prints the figures.
 */
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { benchDatabase } from './database.js';
import { serve } from '@hono/node-server';
import postgres from 'postgres';
import twilio from 'twilio';

type Cannon = (opts: Record<string, unknown>) => Promise<{ requests: { average: number; total: number }; latency: { p99: number }; errors: number; non2xx: number; timeouts: number }>;
const autocannon = createRequire(import.meta.url)('autocannon') as Cannon;

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const num = (name: string, fallback: number) => (Number(flag(name)) > 0 ? Number(flag(name)) : fallback);
const BASE_REF = flag('base') ?? 'HEAD~1';
const PAIRS = num('pairs', 10);
const DURATION = num('duration', 3);
const CONNECTIONS = num('connections', 50);
const AUTH = 'bench-auth-token-' + randomBytes(4).toString('hex');
const HOTLINE = '+85236690000';
const root = fileURLToPath(new URL('..', import.meta.url));
const log = (s: string) => process.stdout.write(s + '\n');
const median = (xs: number[]) => {
  const v = [...xs].sort((x, y) => x - y);
  return v.length % 2 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
};

/** What each tree is asked to build: its own runtime and app, with production's logger (lines dropped). */
const ENTRY = `
import { loadConfig } from './src/config.js';
import { createRuntime } from './src/runtime.js';
import { createApp } from './src/app.js';
import { createLogger } from './src/logger.js';
export async function start(env, redisPrefix) {
  const rt = await createRuntime(loadConfig(env), { logger: createLogger('info', { write() {} }), seedDemo: false, redisPrefix });
  return { app: createApp(rt), close: () => rt.close() };
}`;

/** scripts/build.mjs's options (plain JavaScript, read at run time). */
const buildOptions = async (): Promise<Record<string, unknown>> => ((await import('../scripts/build.mjs' as string)) as { buildOptions: Record<string, unknown> }).buildOptions;

async function buildTree(tree: string): Promise<{ start(env: Record<string, string>, prefix: string): Promise<{ app: { fetch(r: Request): Response | Promise<Response> }; close(): Promise<void> }> }> {
  const out = join(tree, `.bench-compare-${randomBytes(3).toString('hex')}.mjs`);
  await build({ ...(await buildOptions()), absWorkingDir: tree, stdin: { contents: ENTRY, resolveDir: tree, sourcefile: 'entry.ts', loader: 'ts' }, outfile: out });
  try {
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(out, { force: true });
    rmSync(out + '.map', { force: true });
  }
}

/** CPU of this process's main thread (both servers'; autocannon runs in a worker thread), ms. */
function serverThreadCpuMs(): number | null {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

interface Side {
  name: string;
  base: string;
  pool: string;
  newPool(): Promise<void>;
  close(): Promise<void>;
}

async function side(name: string, tree: string, tmp: string): Promise<Side> {
  const db = await benchDatabase();
  const redis = process.env.REDIS_URL || process.env.TEST_REDIS_URL;
  const env: Record<string, string> = { HOST: '127.0.0.1', DATA_DIR: ':memory:', TWILIO_AUTH_TOKEN: AUTH, LOG_LEVEL: 'info' };
  if (db.url) env.DATABASE_URL = db.url;
  if (redis) env.REDIS_URL = redis;
  const { app, close } = await (await buildTree(tree)).start(env, `bench-cmp-${name}-${randomBytes(3).toString('hex')}:`);
  const server = serve({ fetch: (req: Request) => app.fetch(req), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (path: string, params: Record<string, string>) =>
    fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilio.getExpectedTwilioSignature(AUTH, base + path, params) },
      body: new URLSearchParams(params),
    }).then(async (r) => ({ status: r.status, body: await r.text() }));
  const pool = join(tmp, `pool-${name}.json`);
  /** A fresh pool of calls waiting at the main menu (language chosen), as bench:voice's (b) makes each round. */
  const newPool = async () => {
    const calls: { params: Record<string, string>; turn: number }[] = [];
    for (let i = 0; i < CONNECTIONS * 8; i += 25) {
      await Promise.all(
        Array.from({ length: 25 }, async (_, j) => {
          const from = `+8529${String(8000000 + i + j).padStart(7, '0')}`;
          const params = { AccountSid: 'AC' + '0'.repeat(32), CallSid: 'CA' + randomBytes(16).toString('hex'), From: from, To: HOTLINE, Caller: from, Called: HOTLINE, CallStatus: 'in-progress', Direction: 'inbound' };
          await post('/twilio/voice', params);
          const lang = await post('/twilio/voice/turn?n=2&lang=en', { ...params, Digits: '3', FinishedOnKey: '' });
          if (lang.status !== 200 || !lang.body.includes('turn?n=3')) throw new Error(`${name}: the language menu answered ${lang.status}`);
          calls.push({ params, turn: 3 });
        }),
      );
    }
    writeFileSync(pool, JSON.stringify({ authToken: AUTH, publicBase: base, calls }));
  };
  return {
    name,
    base,
    pool,
    newPool,
    close: async () => {
      server.close();
      await close();
      await db.drop();
    },
  };
}

/** One run of signed main-menu turns on a side: req/s and the server thread's CPU per request. */
async function run(s: Side): Promise<{ rps: number; cpuUs: number | null; p99: number; errors: number }> {
  await s.newPool();
  process.env.BENCH_VOICE_POOL = s.pool;
  const before = serverThreadCpuMs();
  const out = await autocannon({
    url: s.base + '/twilio/voice/turn',
    connections: CONNECTIONS,
    duration: DURATION,
    workers: 1,
    requests: [{ setupRequest: fileURLToPath(new URL('./voice-menu-turn.cjs', import.meta.url)) }],
  });
  const after = serverThreadCpuMs();
  return {
    rps: out.requests.average,
    cpuUs: before === null || after === null ? null : ((after - before) * 1000) / out.requests.total,
    p99: out.latency.p99,
    errors: out.errors + out.non2xx + out.timeouts,
  };
}

async function main() {
  const sha = execFileSync('git', ['rev-parse', '--short', BASE_REF], { cwd: root, encoding: 'utf8' }).trim();
  const tmp = mkdtempSync(join(tmpdir(), 'bench-compare-'));
  const baseTree = join(tmp, 'base');
  execFileSync('git', ['worktree', 'add', '--detach', baseTree, sha], { cwd: root, stdio: 'ignore' });
  if (!existsSync(join(baseTree, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(baseTree, 'node_modules'));
  const sides: Side[] = [];
  try {
    sides.push(await side('A', baseTree, tmp), await side('B', root, tmp));
    const [a, b] = sides as [Side, Side];
    log(`bench:voice-compare — A = ${sha} (${BASE_REF}), B = this tree; ${PAIRS} pairs of ${DURATION} s runs, ${CONNECTIONS} connections, ` +
      `${process.env.DATABASE_URL || process.env.TEST_DATABASE_URL ? 'Postgres' : 'embedded PGlite'}, ${process.env.REDIS_URL || process.env.TEST_REDIS_URL ? 'Redis' : 'memory'} sessions`);
    await run(a); // warm both up (JIT, pools) before anything is counted
    await run(b);
    const rpsRatios: number[] = [];
    const cpuRatios: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      // A B, then B A: the drift within a pair falls on both sides alike.
      let ra2, rb;
      if (i % 2 === 0) {
        ra2 = await run(a);
        rb = await run(b);
      } else {
        rb = await run(b);
        ra2 = await run(a);
      }
      rpsRatios.push(rb.rps / ra2.rps);
      if (ra2.cpuUs && rb.cpuUs) cpuRatios.push(rb.cpuUs / ra2.cpuUs);
      log(
        `pair ${String(i + 1).padStart(2)}: A ${ra2.rps.toFixed(0).padStart(6)} req/s ${ra2.cpuUs?.toFixed(0) ?? '?'} µs/req p99 ${ra2.p99} ms err ${ra2.errors}   ` +
          `B ${rb.rps.toFixed(0).padStart(6)} req/s ${rb.cpuUs?.toFixed(0) ?? '?'} µs/req p99 ${rb.p99} ms err ${rb.errors}   B/A ${(rb.rps / ra2.rps * 100).toFixed(0)}%`,
      );
    }
    const rps = median(rpsRatios);
    log(`median pair: B's req/s ${(rps * 100).toFixed(1)}% of A's` + (cpuRatios.length ? `, B's server CPU per turn ${(median(cpuRatios) * 100).toFixed(1)}% of A's` : ''));
    log(`within 5% of A: ${rps >= 0.95 ? 'yes' : 'NO'}`);
  } finally {
    for (const s of sides) await s.close().catch(() => {});
    execFileSync('git', ['worktree', 'remove', '--force', baseTree], { cwd: root, stdio: 'ignore' });
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
