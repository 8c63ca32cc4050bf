/**
 * Deadlines (README, "Deadlines"): with the database held, every route still answers in time
 * through the real app, and what it answers is what Twilio, a browser or an API client can use;
 * once the hold is released, the same route works again.
 *
 * - On every target, with ROUTE_DEADLINE_MS at 1.5 s: the database is held (Postgres: another
 *   session's ACCESS EXCLUSIVE locks on every table; PGlite: its one connection reserved, as no
 *   second session can lock anything) and each route answers within the deadline plus a margin.
 * - On Postgres, with the default 10 s route deadline: the connections' own lock_timeout ends the
 *   wait first, and each route answers well within 9 s with the same answers.
 * - On Postgres: voice turns keep a pool of their own, so hung requests that hold every other
 *   connection do not starve them (and, as a control, they are starved when the pool is shared).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { dbTargets, freshPostgres, type DbTarget } from '../helpers/db.js';
import { blockDatabase, lockTables } from '../helpers/block.js';
import { DEMO_CCRN, DEMO_DRIVERS } from '../helpers/demo.js';
import { FormClient, csrfOf } from '../channels/web/client.js';
import { renderMessages } from '../../src/channels/sms/render.js';
import { migrate } from '../../src/db/migrate.js';
import type { Locale } from '../../src/core/types.js';

const AGENT = 'agent-token-for-deadline-tests-01';
const ADMIN = 'admin-token-for-deadline-tests-01';
const HOTLINE = '+85236690000';
const STRANGER = '+85298765400';
const { chan, lee } = DEMO_DRIVERS;

let sid = 0;
const nextSid = (prefix: 'SM' | 'CA') => prefix + String(++sid).padStart(32, '0');

const form = (params: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(params).toString(),
});

interface Answer {
  status: number;
  type: string | null;
  retryAfter: string | null;
  body: string;
  ms: number;
}

async function timed(send: () => Response | Promise<Response>): Promise<Answer> {
  const started = performance.now();
  const res = await send();
  const body = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body, ms: performance.now() - started };
}

const smsError = (locale: Locale) => `<Message>${renderMessages([{ key: 'sms:error' }], locale)}</Message>`;
const EMPTY_TWIML = /^<\?xml version="1.0" encoding="UTF-8"\?><Response\/>$/;

/** One route: what it is sent, what it answers held (fallback) and free (the service works). */
interface RouteCase {
  name: string;
  send(t: TestRuntime): Response | Promise<Response>;
  held(a: Answer): void;
  /** When Postgres's own timeout ends the wait instead (default: `held`). */
  heldByDatabase?(a: Answer): void;
  free(a: Answer): void;
}

function routeCases(ctx: { web: () => FormClient; delivery: () => { deliveryId: number; stage: number } }): RouteCase[] {
  const twiml = (a: Answer) => {
    expect(a.status).toBe(200);
    expect(a.type).toMatch(/^text\/xml/);
  };
  const reminderRef = () => `delivery=${ctx.delivery().deliveryId}&stage=${ctx.delivery().stage}&attempt=1`;
  return [
    {
      name: 'an SMS reply, in the language of a Chinese keyword',
      send: (t) => t.app.request('/twilio/sms', form({ From: chan.mobile, To: HOTLINE, MessageSid: nextSid('SM'), Body: `狀態 ${DEMO_CCRN.in1}` })),
      held: (a) => (twiml(a), expect(a.body).toContain(smsError('zh-HK'))),
      free: (a) => (twiml(a), expect(a.body).not.toContain(smsError('zh-HK')), expect(a.body).toContain('2611')),
    },
    {
      name: 'an SMS reply, in the language the sender chose with LANG',
      send: (t) => t.app.request('/twilio/sms', form({ From: STRANGER, To: HOTLINE, MessageSid: nextSid('SM'), Body: `STATUS ${DEMO_CCRN.in1}` })),
      held: (a) => (twiml(a), expect(a.body).toContain(smsError('zh-CN'))),
      free: (a) => (twiml(a), expect(a.body).not.toContain(smsError('zh-CN')), expect(a.body).toContain('2611')),
    },
    {
      name: 'STOP',
      send: (t) => t.app.request('/twilio/sms', form({ From: lee.mobile, To: HOTLINE, MessageSid: nextSid('SM'), Body: 'STOP', OptOutType: 'STOP' })),
      held: (a) => (twiml(a), expect(a.body).toContain(smsError('en'))),
      free: (a) => (twiml(a), expect(a.body).not.toContain(smsError('en'))),
    },
    {
      name: 'the SMS status callback',
      send: (t) =>
        t.app.request('/twilio/sms/status', form({ MessageSid: nextSid('SM'), MessageStatus: 'delivered', To: chan.mobile, From: HOTLINE })),
      held: (a) => (twiml(a), expect(a.body).toMatch(EMPTY_TWIML)),
      free: (a) => (twiml(a), expect(a.body).toMatch(EMPTY_TWIML)),
    },
    {
      name: 'the voice status callback',
      send: (t) =>
        t.app.request('/twilio/voice/status', form({ CallSid: nextSid('CA'), CallStatus: 'completed', From: chan.mobile, To: HOTLINE, CallDuration: '30' })),
      held: (a) => (twiml(a), expect(a.body).toMatch(EMPTY_TWIML)),
      // The route's own catch: the call's end is logged as not audited, and Twilio gets its 204.
      heldByDatabase: (a) => expect(a.status).toBe(204),
      free: (a) => expect(a.status).toBe(204),
    },
    {
      name: 'the reminder SMS status callback',
      send: (t) => t.app.request(`/twilio/reminder/status/sms?${reminderRef()}`, form({ MessageSid: nextSid('SM'), MessageStatus: 'sent', To: lee.mobile })),
      held: (a) => (twiml(a), expect(a.body).toMatch(EMPTY_TWIML)),
      free: (a) => expect(a.status).toBe(204),
    },
    {
      name: 'the reminder call status callback',
      send: (t) =>
        t.app.request(`/twilio/reminder/status/call?${reminderRef()}`, form({ CallSid: nextSid('CA'), CallStatus: 'ringing', From: HOTLINE, To: lee.mobile })),
      held: (a) => (twiml(a), expect(a.body).toMatch(EMPTY_TWIML)),
      free: (a) => expect(a.status).toBe(204),
    },
    {
      name: 'a hotline voice turn',
      send: (t) => t.app.request('/twilio/voice', form({ CallSid: nextSid('CA'), From: chan.mobile, To: HOTLINE, CallStatus: 'in-progress' })),
      held: (a) => (twiml(a), expect(a.body).toMatch(/<Gather[^>]*action="\/twilio\/voice\/fallback"/)),
      // The flow's own way round a failed caller lookup: the caller is greeted as unknown (language menu).
      heldByDatabase: (a) => (twiml(a), expect(a.body).toMatch(/<Gather[^>]*action="\/twilio\/voice\/(fallback|turn\?n=2)/)),
      free: (a) => (twiml(a), expect(a.body).toMatch(/<Gather[^>]*action="\/twilio\/voice\/turn\?n=2&amp;lang=zh-HK"/)),
    },
    {
      name: 'a reminder call',
      send: (t) =>
        t.app.request(`/twilio/reminder/call?${reminderRef()}`, form({ CallSid: nextSid('CA'), From: HOTLINE, To: lee.mobile, CallStatus: 'in-progress', AnsweredBy: 'human' })),
      held: (a) => (twiml(a), expect(a.body).toMatch(/<Gather[^>]*action="\/twilio\/reminder\/fallback"/)),
      free: (a) => (twiml(a), expect(a.body).toMatch(/<Gather[^>]*action="\/twilio\/reminder\/turn\?n=2/)),
    },
    {
      name: 'the web form (POST /status)',
      send: async () => {
        // The page and its CSRF token come first; neither needs the database.
        const b = ctx.web();
        const page = await b.get('/status');
        expect(page.status).toBe(200);
        const res = await b.post('/status', { ccrn: DEMO_CCRN.in1 }, csrfOf(page.html));
        return new Response(res.html, { status: res.status, headers: res.headers });
      },
      held: (a) => {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(a.body).toContain('Sorry, something went wrong');
      },
      free: (a) => (expect(a.status).toBe(200), expect(a.body).toContain('2611')),
    },
    {
      name: 'the agent API',
      send: (t) => t.app.request(`/agent/handoffs?caller=${encodeURIComponent(chan.mobile)}`, { headers: { authorization: `Bearer ${AGENT}` } }),
      held: (a) => {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(JSON.parse(a.body)).toEqual({ error: 'timeout' });
      },
      free: (a) => expect(a.status).toBe(200),
    },
    {
      name: 'the admin API',
      send: (t) => t.app.request('/admin/campaigns', { headers: { authorization: `Bearer ${ADMIN}` } }),
      held: (a) => {
        expect(a.status).toBe(503);
        expect(a.retryAfter).toBe('5');
        expect(JSON.parse(a.body)).toEqual({ error: 'timeout' });
      },
      free: (a) => expect(a.status).toBe(200),
    },
  ];
}

/** A runtime with the APIs on, a reminder delivery to call about, and STRANGER's reply language set to Simplified Chinese. */
async function prepared(target: DbTarget, env: Record<string, string>) {
  const t = await createTestRuntime({ target, env: { AGENT_API_TOKEN: AGENT, ADMIN_API_TOKEN: ADMIN, ...env } });
  const lang = await t.app.request('/twilio/sms', form({ From: STRANGER, To: HOTLINE, MessageSid: nextSid('SM'), Body: 'LANG 简' }));
  expect(lang.status).toBe(200);
  const kit = t.rt.reminders;
  const { campaign } = await kit.campaigns.create({ labelColour: 'purple' });
  const [stage] = await kit.repo.stages({ campaignId: campaign.id });
  if (!stage) throw new Error('the demo data has no purple token to remind');
  return { t, delivery: { deliveryId: stage.deliveryId, stage: stage.stage } };
}

// On Postgres the connections' lock_timeout is raised past the test's, so that only the route
// deadline can answer in time (the next suite lets the database's own timeout answer).
const heldTargets: DbTarget[] = dbTargets().map((target) =>
  target.name === 'postgres'
    ? {
        name: 'postgres',
        open: async () => {
          const db = await freshPostgres(process.env.TEST_DATABASE_URL!, { lockTimeoutMs: 8_000 });
          await migrate(db.sql);
          return db;
        },
      }
    : target,
);

describe.each(heldTargets)('every route answers within ROUTE_DEADLINE_MS with the database held, on $name', (target) => {
  const DEADLINE = 1_500;
  let t: TestRuntime;
  let delivery: { deliveryId: number; stage: number };
  beforeAll(async () => {
    ({ t, delivery } = await prepared(target, { ROUTE_DEADLINE_MS: String(DEADLINE) }));
  });
  afterAll(() => t?.close());

  for (const route of routeCases({ web: () => new FormClient(t.app), delivery: () => delivery })) {
    it(route.name, async () => {
      const release = await blockDatabase(t.rt.db);
      let held: Answer;
      try {
        held = await timed(() => route.send(t));
      } finally {
        await release();
      }
      route.held(held);
      expect(held.ms).toBeLessThan(DEADLINE + 1_000);
      const free = await timed(() => route.send(t));
      route.free(free);
    });
  }
});

describe.each(dbTargets())('creating a campaign outlasts the route deadline, on $name', (target) => {
  let t: TestRuntime;
  beforeAll(async () => {
    t = await createTestRuntime({ target, env: { ADMIN_API_TOKEN: ADMIN, ROUTE_DEADLINE_MS: '200' } });
  });
  afterAll(() => t?.close());

  it('answers 201 once the database is free again, not a 503 that would invite a second campaign', async () => {
    const release = await blockDatabase(t.rt.db);
    let created: Promise<Answer>;
    try {
      created = timed(() =>
        t.app.request('/admin/campaigns', {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ labelColour: 'purple' }),
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 600));
    } finally {
      await release();
    }
    const a = await created;
    expect(a.status).toBe(201);
    expect(a.ms).toBeGreaterThan(500);
    expect(JSON.parse(a.body)).toMatchObject({ campaign: { labelColour: 'purple' }, deliveries: expect.any(Number) });
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('with the default deadline, Postgres gives up on a locked table first', () => {
  let t: TestRuntime;
  let delivery: { deliveryId: number; stage: number };
  beforeAll(async () => {
    ({ t, delivery } = await prepared(dbTargets()[1]!, {}));
  });
  afterAll(() => t?.close());

  it('answers every route well within the 10 s deadline, each as it should, and works once the lock is gone', async () => {
    expect(t.rt.config.ROUTE_DEADLINE_MS).toBe(10_000);
    const cases = routeCases({ web: () => new FormClient(t.app), delivery: () => delivery });
    const release = await lockTables(t.rt.db);
    let answers: Answer[];
    try {
      answers = await Promise.all(cases.map((route) => timed(() => route.send(t))));
    } finally {
      await release();
    }
    cases.forEach((route, i) => {
      const a = answers[i]!;
      expect(a.ms, route.name).toBeLessThan(9_000);
      (route.heldByDatabase ?? route.held)(a);
    });
    for (const route of cases) route.free(await timed(() => route.send(t)));
  });
});

describe.runIf(process.env.TEST_DATABASE_URL)('voice turns keep connections of their own (Postgres)', () => {
  // Hung requests wait up to 8 s for their lock; a voice turn must answer long before.
  const DEADLINE = 3_000;
  const HUNG = 16;

  async function starve(voicePool: number) {
    const db = await freshPostgres(process.env.TEST_DATABASE_URL!, { lockTimeoutMs: 8_000, voicePool });
    await migrate(db.sql);
    const t = await createTestRuntime({ target: { name: 'postgres', open: async () => db }, env: { ROUTE_DEADLINE_MS: String(DEADLINE) } });
    // Status callbacks write the audit log: with it locked, each holds a main-pool connection.
    const release = await lockTables(t.rt.db, ['audit_log']);
    try {
      const hung = Array.from({ length: HUNG }, () =>
        timed(() => t.app.request('/twilio/sms/status', form({ MessageSid: nextSid('SM'), MessageStatus: 'delivered', To: chan.mobile, From: HOTLINE }))),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const turn = await timed(() => t.app.request('/twilio/voice', form({ CallSid: nextSid('CA'), From: chan.mobile, To: HOTLINE, CallStatus: 'in-progress' })));
      const statuses = await Promise.all(hung);
      return { turn, statuses };
    } finally {
      await release();
      await t.close();
    }
  }

  it('answers a voice turn while hung requests hold every connection of the main pool', async () => {
    const { turn, statuses } = await starve(5);
    // The driver is greeted (the turn read the drivers table on the voice pool), not apologised to.
    expect(turn.status).toBe(200);
    expect(turn.body).toMatch(/<Gather[^>]*action="\/twilio\/voice\/turn\?n=2&amp;lang=zh-HK"/);
    expect(turn.ms).toBeLessThan(DEADLINE);
    // The hung callbacks themselves were answered at their deadline, never with a 5xx.
    for (const s of statuses) {
      expect(s.status).toBe(200);
      expect(s.body).toMatch(EMPTY_TWIML);
      expect(s.ms).toBeLessThan(DEADLINE + 1_000);
    }
  });

  it('(control) starves the same turn when voice shares the main pool', async () => {
    const { turn } = await starve(0);
    expect(turn.status).toBe(200);
    expect(turn.body).toMatch(/<Gather[^>]*action="\/twilio\/voice\/fallback"/);
  });
});
