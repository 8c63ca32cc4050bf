/**
 * The hotline in pieces (issue 12, part 4): the machine decides on the channel's capabilities, not
 * its name; `identify` is a child machine that returns its output; services are given through
 * XState's provide() and a test may swap them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { CCRN, openFlowHarness, type FlowHarness } from '../helpers/flow-harness.js';
import { makeDriver, validId } from './support.js';
import { SMS_CAPABILITIES, VOICE_CAPABILITIES } from '../../src/channels/capabilities.js';
import { createHotlineMachine, hotlineFlow } from '../../src/flows/hotline.js';
import { identifyMachine, type IdentifyInput } from '../../src/flows/identify.js';
import type { TokenStatusView } from '../../src/core/services.js';
import type { DriverRef } from '../../src/flows/messages.js';
import type { RegistrationInfo } from '../../src/flows/messages.js';

describe('the hotline reads capabilities, never the channel name', () => {
  let h: FlowHarness;
  beforeAll(async () => {
    h = await openFlowHarness();
  });
  afterAll(() => h?.close());

  it('treats a channel whose sender is a verified number as it treats SMS, whatever its name', async () => {
    const d = await makeDriver(h.db.sql);
    // 'line' is no channel the hotline knows by name: only its capabilities say how the sender is known.
    const own = h.conversation({ channel: 'line', caller: d.mobile, locale: 'en', capabilities: SMS_CAPABILITIES });
    await own.open();
    await own.text('1');
    await own.text('1');
    expect(own.last.state).toBe('identify.code');

    const stranger = h.conversation({ channel: 'line', caller: '+85298760031', locale: 'en', capabilities: SMS_CAPABILITIES });
    await stranger.open();
    await stranger.text('1');
    await stranger.text('1');
    expect(stranger.last.state).toBe('main');
    expect(stranger.heard()).toMatch(/^By SMS, bundling works only from the mobile number registered to the driver\./);
  });

  it('confirms a caller ID before anything else, on any channel that says its sender is a caller ID', async () => {
    const d = await makeDriver(h.db.sql);
    const c = h.conversation({ channel: 'sms', caller: d.mobile, locale: 'en', capabilities: VOICE_CAPABILITIES });
    await c.open();
    await c.text('1');
    await c.text('1');
    expect(c.last.state).toBe('identify.confirmCaller');
    expect(c.heard()).toContain(d.driverNo.slice(-4));
    expect(c.heard()).not.toContain(d.nameEn);
  });
});

describe('identify is a child machine that returns its output', () => {
  const driver: DriverRef = { driverNo: validId('6', 8), nameEn: 'TEST', nameZh: '測試', vehicles: ['AB1'], locale: 'en' };
  const token = (over: Partial<TokenStatusView> = {}): TokenStatusView => ({
    serial: 'F1',
    labelColour: 'green',
    expiresOn: '2099-12-31',
    needsReplacing: false,
    expired: false,
    locked: false,
    lockedUntil: null,
    daysLeft: 9999,
    ...over,
  });
  const input = (over: Partial<IdentifyInput> = {}): IdentifyInput => ({
    locale: 'en',
    channel: 'voice',
    caller: null,
    sender: 'callerId',
    callerDriver: null,
    driver: null,
    codeOnly: false,
    driverOnly: true,
    token: null,
    remind: true,
    ...over,
  });
  // The services swapped through provide(): no database at all.
  const services = (t: TokenStatusView) =>
    identifyMachine.provide({
      actors: {
        identifyDriver: fromPromise(async ({ input: i }: { input: { driverNo: string } }) =>
          i.driverNo === driver.driverNo ? { ok: true as const, driver } : { ok: false as const, reason: 'driver_unknown' },
        ),
        tokenStatus: fromPromise(async () => ({ ok: true as const, token: t })),
        verifyCode: fromPromise(async ({ input: i }: { input: { code: string } }) =>
          i.code === '123456'
            ? { ok: true as const, auth: { driverNo: driver.driverNo, serial: 'F1', until: Date.now() + 600_000 } }
            : { ok: false as const, reason: 'token_code_wrong', detail: { triesLeft: 2 } },
        ),
      } as never,
    });
  const waitFor = (actor: ReturnType<typeof createActor>, state: string) =>
    new Promise<void>((resolve) => {
      const check = () => {
        const s = actor.getSnapshot() as { value: unknown };
        if (s.value === state) resolve();
      };
      actor.subscribe(check);
      check();
    });

  it('asks the driver number and the code, then ends with the driver and the authorisation', async () => {
    const actor = createActor(services(token({ needsReplacing: true, daysLeft: 30 })), { input: input() });
    actor.start();
    await waitFor(actor, 'driverNo');
    actor.send({ type: 'user.digits', digits: driver.driverNo });
    await waitFor(actor, 'code');
    actor.send({ type: 'user.digits', digits: '654321' });
    await waitFor(actor, 'code');
    actor.send({ type: 'user.digits', digits: '123456' });
    const out = await toPromise(actor);
    expect(out).toMatchObject({ kind: 'authorised', driver, auth: { driverNo: driver.driverNo }, reminded: true });
    // The token reminder comes after the code (driven without the runner, nothing empties `say` between turns).
    expect(out.say.map((m) => m.key)).toEqual(['flow:code.wrong', 'flow:token.reminder']);
  });

  it('ends blocked, saying why, when the token is locked: no code is asked', async () => {
    const actor = createActor(services(token({ locked: true, lockedUntil: '2026-11-25T07:00:00Z' })), {
      input: input({ callerDriver: driver, sender: 'verifiedNumber' }),
    });
    actor.start();
    const out = await toPromise(actor);
    expect(out).toMatchObject({ kind: 'blocked', driver });
    expect(out.kind === 'blocked' && out.notice.map((m) => m.key)).toEqual(['common:refusal.token_locked']);
  });
});

describe('the hotline takes its services through provide()', () => {
  let h: FlowHarness;
  const asked: string[] = [];
  beforeAll(async () => {
    h = await openFlowHarness({
      flows: {
        hotline: {
          ...hotlineFlow,
          createMachine: (deps) =>
            createHotlineMachine(deps).provide({
              actors: {
                registrationStatus: fromPromise(async ({ input }: { input: { number: string } }) => {
                  asked.push(input.number);
                  const info: RegistrationInfo = { refNo: input.number, status: 'rejected', letterStillValid: false };
                  return { ok: true as const, info };
                }),
              },
            }),
        } as typeof hotlineFlow as never,
      },
    });
  });
  afterAll(() => h?.close());

  it('answers a registration lookup from the service a test gave it', async () => {
    const ref = validId('7', 10);
    const c = h.conversation({ locale: 'en' });
    await c.open();
    await c.press('3');
    expect(c.last.state).toBe('registration.ask');
    await c.press(ref);
    expect(asked).toEqual([ref]);
    expect(c.last.state).toBe('registration.result');
    expect(c.heard()).toMatch(/rejected/i);
    // Everything else is the real services: a consignment lookup still reads the database.
    await c.press('9');
    await c.press('2');
    await c.press(CCRN.crossed);
    expect(c.last.state).toBe('consignment.result');
  });
});
