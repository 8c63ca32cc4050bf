/**
 * Workers die mid-campaign and others take over, on real Postgres and Redis (TEST_DATABASE_URL and
 * TEST_REDIS_URL; set but unreachable fails). Worker processes send to a fake Twilio on loopback,
 * which counts what it received: every driver gets exactly one reminder per stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres, type Database } from '../../src/db/connect.js';
import { migrate } from '../../src/db/migrate.js';
import { obliterateBullQueues } from '../../src/reminders/queue/bullmq.js';
import { TwilioSim } from './fake-twilio.js';
import { campaignServiceOn, hkAt, insertDrivers, testDriver } from './fixtures.js';
import { startWorker, type WorkerProcess } from './workers.js';

const dbUrl = process.env.TEST_DATABASE_URL;
const redisUrl = process.env.TEST_REDIS_URL;
const N = 150;
const STAGES = [30, 14, 7, 1];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!dbUrl || !redisUrl)('reminder workers that crash (real Postgres and Redis)', () => {
  const sim = new TwilioSim();
  const prefix = `rtest-crash-${randomBytes(4).toString('hex')}`;
  const dbName = `t_crash_${randomBytes(4).toString('hex')}`;
  const clockFile = join(tmpdir(), `${prefix}.clock`);
  const workers: WorkerProcess[] = [];
  let db: Database;
  let workerDbUrl: string;
  let provider: { url: string; close(): Promise<void> };
  let offset = 0;

  /** Moves every process's clock (the workers read the file) to `at`. */
  const setClock = (at: Date) => {
    offset = at.getTime() - Date.now();
    writeFileSync(clockFile, String(offset));
  };
  const clock = { now: () => new Date(Date.now() + offset) };
  // The provider dates what it accepts on the same (moved) clock as everyone else, as Twilio's
  // clock agrees with ours: a lookup compares the two.
  sim.now = clock.now;

  beforeAll(async () => {
    const admin = postgres(dbUrl!, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`CREATE DATABASE ${dbName}`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    const u = new URL(dbUrl!);
    u.pathname = '/' + dbName;
    workerDbUrl = u.toString();
    db = await openPostgres(workerDbUrl, 5);
    await migrate(db.sql);
    provider = await sim.listen();
  });

  afterAll(async () => {
    for (const w of workers) await w.kill();
    await provider?.close();
    if (redisUrl) await obliterateBullQueues(redisUrl, prefix);
    await db?.close();
    const admin = postgres(dbUrl!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).finally(() => admin.end({ timeout: 5 }));
    rmSync(clockFile, { force: true });
  });

  const spawn = async () => {
    const w = startWorker({
      DATABASE_URL: workerDbUrl,
      REDIS_URL: redisUrl!,
      QUEUE_PREFIX: prefix,
      FAKE_TWILIO_URL: provider.url,
      CLOCK_FILE: clockFile,
      PROVIDER_SMS_PER_SECOND: '0',
      SMS_CONCURRENCY: '10',
      LEASE_MS: '3000',
      LOCK_MS: '2000',
      REQUEUE_MS: '5000',
    });
    workers.push(w);
    await w.ready;
    return w;
  };

  const received = (stage: number) => sim.accepted.filter((a) => a.stage === stage).length;
  const open = async (stage: number) =>
    (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM reminder_stages WHERE stage = ${stage} AND state IN ('scheduled', 'queued', 'sending')`)[0]!.n;

  async function until(what: string, check: () => Promise<boolean> | boolean, ms = 25_000) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}\n${workers.map((w, i) => `--- worker ${i}\n${w.output().slice(-3000)}`).join('\n')}`);
  }

  const stageDone = (stage: number) => until(`stage ${stage}`, async () => received(stage) >= N && (await open(stage)) === 0);

  it('loses no reminder and sends none twice', { timeout: 120_000 }, async () => {
    await insertDrivers(db.sql, Array.from({ length: N }, (_, i) => testDriver(i + 1, { labelColour: 'crash', expiresOn: '2027-01-31' })));
    setClock(hkAt('2027-01-01', '10:00')); // the 30-day stage's day
    const campaigns = campaignServiceOn(db.sql, clock, { stages: STAGES });
    expect((await campaigns.create({ labelColour: 'crash' })).created).toBe(N);

    // Worker A starts the 30-day stage; once the provider has a third of it, the provider keeps
    // accepting but stops answering, and A is killed: its last sends reached the provider, unrecorded.
    const a = await spawn();
    await until('a third of stage 30', () => received(30) >= N / 3);
    sim.holding = true;
    await sleep(300);
    await a.kill();
    sim.holding = false;
    sim.releaseHeld();
    const orphans = (await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM reminder_stages WHERE state = 'sending'`)[0]!.n;
    expect(orphans).toBeGreaterThan(0);

    // Worker B takes over the queue, settles A's orphans from the provider, finishes the stage.
    const b = await spawn();
    await stageDone(30);

    setClock(hkAt('2027-01-17', '10:00'));
    await stageDone(14);

    // B dies at an arbitrary moment of the 7-day stage; C takes over.
    setClock(hkAt('2027-01-24', '10:00'));
    await until('half of stage 7', () => received(7) >= N / 2);
    await b.kill();
    await spawn();
    await stageDone(7);

    setClock(hkAt('2027-01-30', '10:00'));
    await stageDone(1);

    // Exactly one message per driver and stage reached the provider.
    const perDriverStage = new Map<string, number>();
    for (const m of sim.accepted) perDriverStage.set(`${m.to}|${m.stage}`, (perDriverStage.get(`${m.to}|${m.stage}`) ?? 0) + 1);
    const twice = [...perDriverStage].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    expect(perDriverStage.size).toBe(N * STAGES.length);
    expect(sim.accepted).toHaveLength(N * STAGES.length);
    // And Postgres recorded each with the sid the provider gave.
    const rows = await db.sql<{ state: string; n: number; matched: number }[]>`
      SELECT s.state, count(*)::int AS n, count(*) FILTER (WHERE a.provider_id = ANY(${db.sql.array(sim.accepted.map((m) => m.sid))}::text[]))::int AS matched
      FROM reminder_stages s LEFT JOIN reminder_attempts a ON a.delivery_id = s.delivery_id AND a.stage = s.stage AND a.channel = 'sms'
      GROUP BY s.state`;
    expect(rows).toEqual([{ state: 'sent', n: N * STAGES.length, matched: N * STAGES.length }]);
  });
});
