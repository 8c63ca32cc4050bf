/**
 * `npm run bench:reminders [-- --count 100000 --workers 1 --concurrency 200 --pg-connections 4 --sms-per-second 0]`
 *
 * Pushes `count` deliveries (one due stage each) through the reminder queue: Postgres schedule ->
 * BullMQ on Redis -> worker process(es) -> a fake Twilio on loopback. Prints dispatches per second,
 * duplicates (must be 0) and peak memory, and whether the target (>= 1,000 dispatches/s with the
 * rate limit off) was met. Needs Postgres and Redis: BENCH_DATABASE_URL / TEST_DATABASE_URL /
 * DATABASE_URL and BENCH_REDIS_URL / TEST_REDIS_URL / REDIS_URL. Works in a database and a Redis
 * key prefix of its own, removed at the end.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';

/** CPU seconds (user + system) of local processes, from /proc; null where it cannot be read. */
function procCpuSeconds(pids: number[]): number | null {
  try {
    let ticks = 0;
    for (const pid of pids) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    }
    return ticks / 100; // USER_HZ
  } catch {
    return null;
  }
}

/** Redis's own CPU seconds (the whole server: other users of it count too). */
async function redisCpuSeconds(url: string): Promise<number | null> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await r.connect();
    const info = await r.info('cpu');
    const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
    return num('used_cpu_user') + num('used_cpu_sys');
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../src/db/connect.js';
import { migrate } from '../src/db/migrate.js';
import { obliterateBullQueues } from '../src/reminders/queue/bullmq.js';
import { TwilioSim } from '../test/reminders/fake-twilio.js';
import { campaignServiceOn, hkAt, insertDrivers, testDriver } from '../test/reminders/fixtures.js';
import { startWorker, type WorkerProcess } from '../test/reminders/workers.js';

const TARGET_PER_SECOND = 1000;

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    workers: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '200' },
    'pg-connections': { type: 'string', default: '4' },
    'sms-per-second': { type: 'string', default: '0' },
  },
});
const count = Number(values.count);
const workerCount = Number(values.workers);
const concurrency = Number(values.concurrency);
const smsPerSecond = Number(values['sms-per-second']);
const pgConnections = Number(values['pg-connections']);
for (const [name, v, max] of [
  ['count', count, 999_999],
  ['workers', workerCount, 16],
  ['concurrency', concurrency, 1000],
  ['pg-connections', pgConnections, 50],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > max) {
    console.error(`--${name}: a whole number from 1 to ${max}`);
    process.exit(2);
  }
}

const dbUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL ?? process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;
if (!dbUrl || !redisUrl) {
  console.error('Needs Postgres and Redis: set TEST_DATABASE_URL and TEST_REDIS_URL (or BENCH_*, or DATABASE_URL and REDIS_URL).');
  process.exit(2);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tag = randomBytes(4).toString('hex');
const dbName = `bench_reminders_${tag}`;
const prefix = `bench-reminders-${tag}`;
const clockFile = join(tmpdir(), `${prefix}.clock`);

async function main() {
  const admin = postgres(dbUrl!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end({ timeout: 5 });
  const u = new URL(dbUrl!);
  u.pathname = '/' + dbName;
  const db = await openPostgres(u.toString(), 1); // one backend: the workers' are told apart from it
  const sim = new TwilioSim();
  const workers: WorkerProcess[] = [];
  let provider: { url: string; close(): Promise<void> } | null = null;
  try {
    await migrate(db.sql);
    // Every token expires 19 days after "now": each delivery has its 30-day stage due at once.
    const now = hkAt('2027-01-01', '10:00');
    const offset = now.getTime() - Date.now();
    writeFileSync(clockFile, String(offset));
    const clock = { now: () => new Date(Date.now() + offset) };
    sim.now = clock.now;

    let t = Date.now();
    await insertDrivers(
      db.sql,
      Array.from({ length: count }, (_, i) => testDriver(i + 1, { labelColour: 'bench', expiresOn: '2027-01-20' })),
    );
    const campaigns = campaignServiceOn(db.sql, clock);
    const { created } = await campaigns.create({ labelColour: 'bench' });
    console.log(`setup: ${count} drivers and a campaign of ${created} deliveries in ${((Date.now() - t) / 1000).toFixed(1)} s`);

    provider = await sim.listen();
    let benchPeak = process.memoryUsage().rss;
    const sampler = setInterval(() => (benchPeak = Math.max(benchPeak, process.memoryUsage().rss)), 100);
    const env = {
      DATABASE_URL: u.toString(),
      REDIS_URL: redisUrl!,
      QUEUE_PREFIX: prefix,
      FAKE_TWILIO_URL: provider.url,
      CLOCK_FILE: clockFile,
      PROVIDER_SMS_PER_SECOND: String(smsPerSecond),
      SMS_CONCURRENCY: String(concurrency),
      PG_POOL: String(pgConnections),
    };
    const started = Array.from({ length: workerCount }, () => startWorker(env));
    workers.push(...started);
    await Promise.all(started.map((w) => w.ready));
    const benchCpu0 = process.cpuUsage();
    const redisCpu0 = await redisCpuSeconds(redisUrl!);
    t = Date.now();
    let last = 0;
    let lastAt = t;
    let stalled = 0;
    while (sim.accepted.length < count) {
      await sleep(1000);
      const n = sim.accepted.length;
      const elapsed = (Date.now() - t) / 1000;
      process.stdout.write(`  ${n} sent, ${Math.round(n / elapsed)}/s\r`);
      stalled = n === last ? stalled + (Date.now() - lastAt) : 0;
      last = n;
      lastAt = Date.now();
      if (stalled > 30_000) throw new Error(`no progress for 30 s at ${n} of ${count}`);
    }
    const seconds = (Date.now() - t) / 1000;
    // Let anything still running finish, then count what the provider got twice.
    await sleep(1000);
    clearInterval(sampler);
    const benchCpu = process.cpuUsage(benchCpu0);
    const redisCpu1 = await redisCpuSeconds(redisUrl!);
    // The Postgres backends serving the workers (still connected), when Postgres runs on this machine.
    const backends = (await db.sql<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${dbName} AND pid <> pg_backend_pid()`).map((r) => r.pid);
    const pgCpu = procCpuSeconds(backends);
    const peaks = await Promise.all(workers.map((w) => w.stop()));
    const seen = new Map<string, number>();
    for (const m of sim.accepted) seen.set(`${m.delivery}:${m.stage}`, (seen.get(`${m.delivery}:${m.stage}`) ?? 0) + 1);
    const duplicates = [...seen.values()].reduce((s, n) => s + (n - 1), 0);
    const sent = (await db.sql<{ sent: number }[]>`SELECT count(*)::int AS sent FROM reminder_stages WHERE state = 'sent'`)[0]!.sent;
    const rate = count / seconds;
    console.log('');
    console.log(
      `deliveries       ${count} (${workerCount} worker process${workerCount > 1 ? 'es' : ''}, ${concurrency} concurrent sends and ${pgConnections} Postgres connections each, rate limit ${smsPerSecond || 'off'})`,
    );
    console.log(`elapsed          ${seconds.toFixed(1)} s`);
    console.log(`dispatches/s     ${Math.round(rate)}   target >= ${TARGET_PER_SECOND} with the rate limit off: ${rate >= TARGET_PER_SECOND ? 'MET' : 'NOT MET'}`);
    console.log(`duplicates       ${duplicates}${duplicates === 0 ? '' : '   <-- must be 0'}`);
    console.log(`recorded sent    ${sent} of ${count}`);
    const cpu = workers.map((w) => w.cpuMs() ?? 0).reduce((a, b) => a + b, 0);
    const per = (sec: number | null) => (sec === null || Number.isNaN(sec) ? 'n/a' : `${((sec * 1000) / count).toFixed(2)} ms`);
    console.log(
      `CPU per dispatch worker ${per(cpu / 1000)}, Postgres backends ${per(pgCpu)}, fake provider + bench ${per((benchCpu.user + benchCpu.system) / 1e6)}, ` +
        `Redis ${per(redisCpu0 !== null && redisCpu1 !== null ? redisCpu1 - redisCpu0 : null)} (whole server)`,
    );
    console.log(`peak RSS         workers ${peaks.map((p) => `${p ?? '?'} MB`).join(', ')}; bench + fake provider ${Math.round(benchPeak / 1048576)} MB`);
    if (duplicates !== 0 || sent !== count) process.exitCode = 1;
  } finally {
    for (const w of workers) await w.kill();
    await provider?.close();
    await obliterateBullQueues(redisUrl!, prefix).catch(() => {});
    await db.close();
    const a = postgres(dbUrl!, { max: 1, onnotice: () => {} });
    await a.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).finally(() => a.end({ timeout: 5 }));
    rmSync(clockFile, { force: true });
  }
}

main().catch((err) => {
  console.error('bench failed:', err instanceof Error ? err.message : err);
  process.exit(1);
});
