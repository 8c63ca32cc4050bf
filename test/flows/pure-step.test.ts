/**
 * Turns without an actor (src/flows/pure-step.ts) must be indistinguishable from turns driven by an
 * actor: random calls are played on two runners, one with pure steps and one without, and every
 * answer, state and saved session must be the same. Also: the menus really do run without an actor.
 */
import { VOICE_CAPABILITIES } from '../../src/channels/capabilities.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger.js';
import type { Runner } from '../../src/flows/runner.js';
import type { UserEvent } from '../../src/flows/reply.js';
import { createMemorySessionStore } from '../../src/sessions/memory.js';
import type { SessionStore } from '../../src/sessions/port.js';
import { CCRN, DEMO, openFlowHarness, type FlowHarness } from '../helpers/flow-harness.js';
import { validId, withBadCheckDigit } from './support.js';

/**
 * What callers do, without side effects that one runner's turn would leave for the other's (no
 * 6-digit strings, so no token code is ever tried): keys, words, silence, numbers good and bad.
 */
const EVENTS: UserEvent[] = [
  ...['1', '2', '3', '4', '5', '6', '9', '*', '#', '0', ''].map((digits) => ({ type: 'user.digits', digits }) as UserEvent),
  ...['yes', 'no', 'two', 'English', '廣東話', 'bundle'].map((text) => ({ type: 'user.text', text }) as UserEvent),
  { type: 'user.silence' },
  { type: 'user.digits', digits: DEMO.chan.driverNo },
  { type: 'user.digits', digits: DEMO.lee.driverNo },
  { type: 'user.digits', digits: withBadCheckDigit(DEMO.lee.driverNo) },
  { type: 'user.digits', digits: CCRN.in1 },
  { type: 'user.digits', digits: CCRN.bundled },
  { type: 'user.digits', digits: withBadCheckDigit(CCRN.in2) },
  { type: 'user.digits', digits: validId('7', 10, 12345) },
  { type: 'user.digits', digits: '1234567' },
];

/**
 * A step of a call: an event as the next turn (`other`: taken by another instance of the service,
 * which restores the saved snapshot), or Twilio retrying the last turn.
 */
type Step = { event: number; other: boolean } | { retry: true };

describe('turns without an actor', () => {
  let h: FlowHarness;
  let pure: Runner;
  let pureElsewhere: Runner;
  let actor: Runner;
  let pureSessions: SessionStore;
  let actorSessions: SessionStore;
  const lines: string[] = [];
  beforeAll(async () => {
    h = await openFlowHarness();
    const clock = () => h.clock.now().getTime();
    pureSessions = createMemorySessionStore({ clock });
    actorSessions = createMemorySessionStore({ clock });
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    pure = h.newRunner({ sessions: pureSessions, logger, pureSteps: true });
    pureElsewhere = h.newRunner({ sessions: pureSessions, pureSteps: true });
    actor = h.newRunner({ sessions: actorSessions, pureSteps: false });
  });
  afterAll(async () => {
    await pureSessions?.close();
    await actorSessions?.close();
    await h?.close();
  });

  let serial = 0;
  it('answer, move and save exactly as turns driven by an actor, over random calls', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<string | null>(null, DEMO.lee.mobile, DEMO.wang.mobile, '+85298765432'),
        fc.constantFrom<'hotline' | 'bundling'>('hotline', 'bundling'),
        fc.array(
          fc.oneof(
            { weight: 8, arbitrary: fc.record({ event: fc.nat({ max: EVENTS.length - 1 }), other: fc.boolean() }) },
            { weight: 1, arbitrary: fc.constant({ retry: true as const }) },
          ),
          { maxLength: 30 },
        ),
        async (caller, entry, steps: Step[]) => {
          const key = `voice:CAPURE${++serial}`;
          const start = { flow: 'hotline' as const, channel: 'voice' as const, caller, entry, capabilities: VOICE_CAPABILITIES };
          let turn = 1;
          const both = async (event: UserEvent, n: number, other = false) => {
            const a = await (other ? pureElsewhere : pure).turn({ key, start, event, turn: n });
            const b = await actor.turn({ key, start, event, turn: n });
            expect(a).toEqual(b);
            const [sa, sb] = [await pureSessions.load(key), await actorSessions.load(key)];
            expect(sa).toEqual(sb);
            return a;
          };
          let last = await both({ type: 'user.start' }, turn);
          for (const step of steps) {
            if (last.state === 'ended' || last.reply.end) break;
            last = 'retry' in step ? await both(EVENTS[0]!, turn) : await both(EVENTS[step.event]!, ++turn, step.other);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('runs the menus without an actor, and starts a call with one', async () => {
    lines.length = 0;
    const key = 'voice:CAPUREMENU';
    const start = { flow: 'hotline' as const, channel: 'voice' as const, caller: null, entry: 'hotline' as const, capabilities: VOICE_CAPABILITIES };
    await pure.turn({ key, start, event: { type: 'user.start' }, turn: 1 });
    await pure.turn({ key, start, event: { type: 'user.digits', digits: '3' }, turn: 2 });
    const main = await pure.turn({ key, start, event: { type: 'user.digits', digits: '*' }, turn: 3 });
    expect(main.state).toBe('main');
    const how = lines.map((l) => JSON.parse(l) as { msg: string; how?: string }).filter((l) => l.msg === 'turn').map((l) => l.how);
    expect(how).toEqual(['actor', 'pure', 'pure']);
  });
});
