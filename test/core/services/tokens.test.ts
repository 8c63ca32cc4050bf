import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/connect.js';
import type { Services } from '../../../src/core/services.js';
import { createDataPorts } from '../../../src/db/repositories/index.js';
import { codeAt } from '../../../src/core/totp.js';
import { dbTargets } from '../../helpers/db.js';
import { fakeClock } from '../../helpers/clock.js';
import { maskPhone } from '../../../src/core/mask.js';
import { makeDriver, MINUTE, servicesOver, voice } from './support.js';

// 17:00 UTC is 01:00 the next day in Hong Kong.
const clock = fakeClock('2026-11-26T17:00:00Z');
const sms = { channel: 'sms' as const, caller: '+85290001234' };
/** A 6-digit code that is not the token's at any step near now. */
const wrongCode = (secret: string) => {
  const near = new Set([-3, -2, -1, 0, 1, 2].map((o) => codeAt(secret, clock.now(), o)));
  for (let n = 0; ; n++) {
    const c = String(100000 + n * 7919).slice(-6);
    if (!near.has(c)) return c;
  }
};

describe.each(dbTargets())('token service on $name', (target) => {
  let db: Database;
  let services: Services;
  const usedCodes: string[] = [];
  beforeAll(async () => {
    db = await target.open();
    services = servicesOver(db.sql, clock);
  });
  afterAll(() => db?.close());

  const failedAttempts = async (serial: string) => (await createDataPorts(db.sql).tokens.bySerial(serial))!.failedAttempts;

  it('accepts the code on the token and authorises for ten minutes', async () => {
    const d = await makeDriver(db.sql);
    const code = codeAt(d.secret, clock.now());
    usedCodes.push(code);
    const r = await services.tokens.verify({ driverNo: d.driverNo, code }, voice('+85291234000'));
    expect(r).toEqual({ ok: true, authorisation: { driverNo: d.driverNo, serial: d.serial, until: clock.now().getTime() + 10 * MINUTE } });
    const [entry] = await createDataPorts(db.sql).audit.list({ driverNo: d.driverNo, action: 'token.verify' });
    expect(entry).toMatchObject({ channel: 'voice', callerMasked: '+852****4000', outcome: 'ok' });
  });

  it('forgives spaces and full-width digits in a code', async () => {
    const d = await makeDriver(db.sql);
    const code = codeAt(d.secret, clock.now());
    usedCodes.push(code);
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`.replace(/\d/g, (c) => String.fromCharCode(0xff10 + Number(c)));
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: spaced }, sms)).ok).toBe(true);
  });

  it('locks after five wrong codes in a row across calls and channels, and the count survives a restart', async () => {
    const d = await makeDriver(db.sql);
    const bad = wrongCode(d.secret);
    usedCodes.push(bad);
    const outcomes = [];
    for (let i = 0; i < 5; i++) {
      // A new set of services over the same database for every "call": nothing is kept in memory.
      const fresh = servicesOver(db.sql, clock);
      outcomes.push(await fresh.tokens.verify({ driverNo: d.driverNo, code: bad }, i % 2 ? sms : voice()));
    }
    expect(outcomes.slice(0, 4).map((r) => (r.ok ? 'ok' : [r.reason, r.detail?.triesLeft]))).toEqual([
      ['token_code_wrong', 4],
      ['token_code_wrong', 3],
      ['token_code_wrong', 2],
      ['token_code_wrong', 1],
    ]);
    const until = new Date(clock.now().getTime() + 15 * MINUTE).toISOString();
    expect(outcomes[4]).toMatchObject({ ok: false, reason: 'token_locked', detail: { justLocked: true, lockedUntil: until } });

    // Locked: even the right code is refused, and does not count.
    const right = await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice());
    expect(right).toMatchObject({ ok: false, reason: 'token_locked', detail: { justLocked: false, lockedUntil: until } });
    expect(await services.tokens.status({ driverNo: d.driverNo })).toMatchObject({ ok: true, token: { locked: true, lockedUntil: until } });

    // An agent unlocks at once; then the right code works again.
    expect(await services.tokens.unlock({ driverNo: d.driverNo }, { agentId: 'agent-7' })).toEqual({ ok: true, serial: d.serial });
    expect(await failedAttempts(d.serial)).toBe(0);
    const [audit] = await createDataPorts(db.sql).audit.list({ driverNo: d.driverNo, action: 'token.unlock' });
    expect(audit).toMatchObject({ channel: 'agent', outcome: 'ok', detail: { agentId: 'agent-7' } });
    const code = codeAt(d.secret, clock.now());
    usedCodes.push(code);
    expect((await services.tokens.verify({ driverNo: d.driverNo, code }, voice())).ok).toBe(true);
  });

  it('locks for 15 minutes, doubles each further lock up to 24 hours, and tells the driver by SMS each time a lock starts', async () => {
    const own = fakeClock('2026-11-26T02:00:00Z'); // 10:00 in Hong Kong
    const svc = servicesOver(db.sql, own);
    const d = await makeDriver(db.sql);
    const bad = wrongCode(d.secret);
    const lockNotices = async () =>
      (await createDataPorts(db.sql).outbox.list(1000)).filter((e) => e.purpose === 'token_locked' && e.toMasked === maskPhone(d.mobile));
    const fiveWrong = async () => {
      let last;
      for (let i = 0; i < 5; i++) last = await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
      return last!;
    };
    const minutes = (iso: unknown) => (Date.parse(String(iso)) - own.now().getTime()) / MINUTE;

    const first = await fiveWrong();
    expect(first).toMatchObject({ ok: false, reason: 'token_locked', detail: { justLocked: true } });
    expect(minutes(!first.ok && first.detail?.lockedUntil)).toBe(15);
    const [notice, ...more] = await lockNotices();
    expect(more).toHaveLength(0);
    // In the driver's language (English here), with when it started and when it ends, Hong Kong time.
    expect(notice?.body).toMatch(/^ROCARS: your security token was locked at 26 November( at)? 10:00 .*until 26 November( at)? 10:15\./);
    expect(notice?.body).not.toContain(bad);

    // Still locked at 14 minutes; the lock's end stands whatever is typed meanwhile, and no second SMS.
    own.advance(14 * MINUTE);
    expect(await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, sms)).toMatchObject({ reason: 'token_locked', detail: { justLocked: false } });
    expect(await lockNotices()).toHaveLength(1);
    // At 15 minutes the lock has ended by itself: five more wrong codes lock it for 30 minutes.
    own.advance(1 * MINUTE);
    expect(await svc.tokens.status({ driverNo: d.driverNo })).toMatchObject({ ok: true, token: { locked: false, lockedUntil: null } });
    expect(await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice())).toMatchObject({ reason: 'token_code_wrong', detail: { triesLeft: 4 } });
    for (let i = 0; i < 3; i++) await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    const second = await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect(minutes(!second.ok && second.detail?.lockedUntil)).toBe(30);
    expect(await lockNotices()).toHaveLength(2);

    // Locks 3 to 9: 60, 120, ... minutes, never more than 24 hours.
    const lengths = [];
    for (let lock = 3; lock <= 9; lock++) {
      own.advance(48 * 60 * MINUTE); // past the lock before, whatever its length
      const r = await fiveWrong();
      lengths.push(minutes(!r.ok && r.detail?.lockedUntil));
    }
    expect(lengths).toEqual([60, 120, 240, 480, 960, 1440, 1440]);

    // A right code after a lock has ended is accepted and starts the doubling again.
    own.advance(24 * 60 * MINUTE);
    const right = codeAt(d.secret, own.now());
    usedCodes.push(right);
    expect((await svc.tokens.verify({ driverNo: d.driverNo, code: right }, voice())).ok).toBe(true);
    const again = await fiveWrong();
    expect(minutes(!again.ok && again.detail?.lockedUntil)).toBe(15);
  });

  it('an agent unlocks at once, and the next lock is back to 15 minutes', async () => {
    const own = fakeClock('2026-11-26T02:00:00Z');
    const svc = servicesOver(db.sql, own);
    const d = await makeDriver(db.sql);
    const bad = wrongCode(d.secret);
    for (let lock = 0; lock < 2; lock++) {
      for (let i = 0; i < 5; i++) await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
      own.advance(60 * MINUTE);
    }
    for (let i = 0; i < 5; i++) await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect((await createDataPorts(db.sql).tokens.bySerial(d.serial))?.lockCount).toBe(3);
    expect(await svc.tokens.unlock({ driverNo: d.driverNo }, { agentId: 'agent-9' })).toEqual({ ok: true, serial: d.serial });
    const r = await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect(r).toMatchObject({ reason: 'token_code_wrong', detail: { triesLeft: 4 } });
    for (let i = 0; i < 3; i++) await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    const locked = await svc.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect(!locked.ok && Date.parse(String(locked.detail?.lockedUntil)) - own.now().getTime()).toBe(15 * MINUTE);
  });

  it('a lock notice that cannot be sent changes nothing the caller hears', async () => {
    const d = await makeDriver(db.sql);
    const failing = servicesOver(db.sql, clock, 90, (p) => ({
      ...p,
      outbox: { ...p.outbox, add: async () => Promise.reject(new Error('outbox down')) },
    }));
    const bad = wrongCode(d.secret);
    let last;
    for (let i = 0; i < 5; i++) last = await failing.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect(last).toMatchObject({ ok: false, reason: 'token_locked', detail: { justLocked: true } });
  });

  it('counts wrong codes in a row only: a right code clears the count', async () => {
    const d = await makeDriver(db.sql);
    const bad = wrongCode(d.secret);
    for (let i = 0; i < 4; i++) await services.tokens.verify({ driverNo: d.driverNo, code: bad }, voice());
    expect(await failedAttempts(d.serial)).toBe(4);
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now()) }, voice())).ok).toBe(true);
    expect(await failedAttempts(d.serial)).toBe(0);
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: bad }, voice())).toMatchObject({ reason: 'token_code_wrong', detail: { triesLeft: 4 } });
  });

  it('refuses a code used before, and an older code once a newer one was used, without counting them', async () => {
    const d = await makeDriver(db.sql);
    const now = codeAt(d.secret, clock.now());
    const next = codeAt(d.secret, clock.now(), 1);
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: now }, voice())).ok).toBe(true);
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: now }, sms)).toEqual({ ok: false, reason: 'token_code_reused' });
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: next }, voice())).ok).toBe(true);

    clock.advance(30_000);
    // The code of step s is refused after step s+1 was used, even though it is still in the window.
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: now }, voice())).toEqual({ ok: false, reason: 'token_code_reused' });
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: next }, voice())).toEqual({ ok: false, reason: 'token_code_reused' });
    expect(await failedAttempts(d.serial)).toBe(0);
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now(), 1) }, voice())).ok).toBe(true);
  });

  it('accepts codes from two steps back to one step ahead only', async () => {
    const d = await makeDriver(db.sql);
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now(), -3) }, voice())).toMatchObject({ reason: 'token_code_wrong' });
    expect(await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now(), 2) }, voice())).toMatchObject({ reason: 'token_code_wrong' });
    expect((await services.tokens.verify({ driverNo: d.driverNo, code: codeAt(d.secret, clock.now(), -2) }, voice())).ok).toBe(true);
  });

  it('answers token_code_format for anything but six digits, without counting it', async () => {
    const d = await makeDriver(db.sql);
    for (const code of ['', '12345', '1234567', 'abcdef', '12 34 5']) {
      expect(await services.tokens.verify({ driverNo: d.driverNo, code }, voice())).toEqual({ ok: false, reason: 'token_code_format' });
    }
    expect(await failedAttempts(d.serial)).toBe(0);
  });

  it('refuses unknown drivers, drivers without a token and expired tokens', async () => {
    expect(await services.tokens.verify({ driverNo: '41000018', code: '123456' }, voice())).toEqual({ ok: false, reason: 'driver_unknown' });
    expect(await services.tokens.verify({ driverNo: '99999992', code: '123456' }, voice())).toEqual({ ok: false, reason: 'driver_unknown' });
    const none = await makeDriver(db.sql, { noToken: true });
    expect(await services.tokens.verify({ driverNo: none.driverNo, code: '123456' }, voice())).toEqual({ ok: false, reason: 'token_missing' });
    expect(await services.tokens.status({ driverNo: none.driverNo })).toEqual({ ok: false, reason: 'token_missing' });
    // Hong Kong is already on 27 November: a token whose last day was the 26th has expired.
    const old = await makeDriver(db.sql, { expiresOn: '2026-11-26' });
    const r = await services.tokens.verify({ driverNo: old.driverNo, code: codeAt(old.secret, clock.now()) }, voice());
    expect(r).toMatchObject({ ok: false, reason: 'token_expired' });
    expect(await failedAttempts(old.serial)).toBe(0);
  });

  it('says when a token needs replacing: expired, or expiring within 60 days', async () => {
    const view = async (expiresOn: string) => {
      const d = await makeDriver(db.sql, { expiresOn });
      const r = await services.tokens.status({ driverNo: d.driverNo });
      if (!r.ok) throw new Error(r.reason);
      return r.token;
    };
    // Hong Kong date is 2026-11-27.
    expect(await view('2027-01-27')).toMatchObject({ needsReplacing: false, expired: false, daysLeft: 61 });
    expect(await view('2027-01-26')).toMatchObject({ needsReplacing: true, expired: false, daysLeft: 60 });
    expect(await view('2026-11-27')).toMatchObject({ needsReplacing: true, expired: false, daysLeft: 0 });
    expect(await view('2026-11-26')).toMatchObject({ needsReplacing: true, expired: true, daysLeft: -1 });
    expect(await view('2026-11-26')).toMatchObject({ labelColour: 'green', expiresOn: '2026-11-26', locked: false });
  });

  it('unlock refuses what it cannot do', async () => {
    const d = await makeDriver(db.sql);
    expect(await services.tokens.unlock({ driverNo: d.driverNo }, { agentId: 'a1' })).toEqual({ ok: false, reason: 'token_not_locked' });
    expect(await services.tokens.unlock({ driverNo: '41000018' }, { agentId: 'a1' })).toEqual({ ok: false, reason: 'driver_unknown' });
    const none = await makeDriver(db.sql, { noToken: true });
    expect(await services.tokens.unlock({ driverNo: none.driverNo }, { agentId: 'a1' })).toEqual({ ok: false, reason: 'token_missing' });
  });

  it('keeps no code in any column of any table', async () => {
    expect(usedCodes.length).toBeGreaterThan(2);
    const columns = await db.sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json')`;
    expect(columns.length).toBeGreaterThan(10);
    for (const { table_name, column_name } of columns) {
      for (const code of usedCodes) {
        const rows = await db.sql`SELECT 1 FROM ${db.sql(table_name)} WHERE ${db.sql(column_name)}::text LIKE ${'%' + code + '%'} LIMIT 1`;
        expect(rows, `${table_name}.${column_name} holds a code`).toHaveLength(0);
      }
    }
  });
});
