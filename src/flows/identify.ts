/**
 * Who is calling, and their token code: a child machine the hotline invokes wherever it needs an
 * authorised driver (bundling, my bundles, my token status, and again when an authorisation has
 * lapsed). It asks (caller ID confirmation or driver number, then the code), and ends with its
 * output: the driver and the authorisation, or why not. The state that invoked it decides what
 * comes next; there is no return address.
 *
 * Before a valid code the caller hears no name and no token details (README, "Before a code"):
 * a caller recognised by caller ID hears only the last four digits of the driver number. The
 * token reminder comes after the code.
 */
import { assign, setup } from 'xstate';
import type { TokenCodeReason, TokenStatusView } from '../core/services.js';
import type { Authorisation, Channel } from '../core/types.js';
import { labelled, succeeded, type Capabilities } from './flow.js';
import type { End, Msg, UserEvent } from './reply.js';
import { ask, numberFrom, questionActions, questionGuards, type QuestionContext } from './question.js';
import { asker, createHotlineActors, type Refused } from './hotline-actors.js';
import { CONFIRM_CALLER_OPTIONS, digitsExpect, menu } from './hotline-menus.js';
import { digits, f, lockEnds, tokenBlock, tokenReminder, type DriverRef } from './messages.js';
import { unprovided } from './unprovided.js';
import { refusalMsg } from './catalogue.js';

export interface IdentifyInput {
  locale: IdentifyContext['locale'];
  channel: Channel;
  caller: string | null;
  sender: Capabilities['sender'];
  /** The registered driver whose mobile is the sender's number (not yet confirmed). */
  callerDriver: DriverRef | null;
  /** Already identified in this conversation: only the code is asked. */
  driver: DriverRef | null;
  /** The authorisation lapsed: straight to the code (the caller was told why). */
  codeOnly: boolean;
  /** For bundling and bundles (not token status): a sender known by number must be the driver. */
  driverOnly: boolean;
  /** The token as last seen in this conversation (kept for the reminder after a code). */
  token: TokenStatusView | null;
  /** Say the token reminder after the code (once a conversation, not when asking for the token's status). */
  remind: boolean;
}

export interface IdentifyContext extends QuestionContext, Omit<IdentifyInput, 'locale'> {
  auth: Authorisation | null;
  reminded: boolean;
  /** Why the caller cannot go on. */
  notice: Msg[];
  outcome: IdentifyOutput['kind'] | null;
}

/** How identification ended; `say` is what it said on its last turn, `driver` whoever it reached. */
export type IdentifyOutput = { say: Msg[]; driver: DriverRef | null; token: TokenStatusView | null } & (
  | { kind: 'authorised'; auth: Authorisation; reminded: boolean }
  /** Token missing, locked or expired, or a code refused for good: say `notice`, offer an agent. */
  | { kind: 'blocked'; notice: Msg[] }
  /** Only the driver's own number may do this: back to the main menu (said in `say`). */
  | { kind: 'refused' }
  /** 9 at the caller ID question: the language menu. */
  | { kind: 'language' }
  /** To an agent: asked for, or too many misses, or a service failed. */
  | { kind: 'agent'; end: End }
);

type Ok<T> = { ok: true } & T;
const isOk = <T>(o: Ok<T> | Refused): o is Ok<T> => o.ok;
const reasonIs = (...reasons: string[]) =>
  labelled(reasons.join(' or '), ({ event }: { event: { output: { ok: boolean; reason?: string } } }) => !event.output.ok && reasons.includes(event.output.reason ?? ''));
type TokenOut = { event: { output: Ok<{ token: TokenStatusView }> | Refused } };

type IdentifyActors = Pick<ReturnType<typeof createHotlineActors>, 'identifyDriver' | 'tokenStatus' | 'verifyCode'>;

/** The services identify calls: provide them with `identifyMachine.provide({ actors: identifyActors(services) })`. */
export const identifyActors = (services: Parameters<typeof createHotlineActors>[0]): IdentifyActors => {
  const { identifyDriver, tokenStatus, verifyCode } = createHotlineActors(services);
  return { identifyDriver, tokenStatus, verifyCode };
};

const AGENT = '#identify.agent';

const identify = setup({
  types: {
    context: {} as IdentifyContext,
    events: {} as UserEvent,
    input: {} as IdentifyInput,
    output: {} as IdentifyOutput,
  },
  actors: unprovided<IdentifyActors>('identify', ['identifyDriver', 'tokenStatus', 'verifyCode']),
  guards: {
    ...questionGuards,
    codeOnly: ({ context }) => context.codeOnly && context.driver !== null,
    isIdentified: ({ context }) => context.driver !== null,
    hasCallerDriver: ({ context }) => context.callerDriver !== null,
    /** The sender's number is where every answer goes: only the driver's own number may go on. */
    senderMustBeDriver: ({ context }) => context.driverOnly && context.sender === 'verifiedNumber',
    senderIsDriver: ({ context }) => context.driverOnly && context.sender === 'verifiedNumber' && context.callerDriver !== null,
  },
  actions: {
    ...questionActions<IdentifyContext>(),
    identifyAsCaller: assign(({ context }) => ({ driver: context.callerDriver, driverNo: context.callerDriver?.driverNo ?? null })),
    notice: assign((_, p: { msgs: Msg[] }) => ({ notice: p.msgs })),
    outcome: assign((_, p: { kind: IdentifyOutput['kind'] }) => ({ outcome: p.kind })),
  },
});

const sayMsgs = (...msgs: Msg[]) => ({ type: 'say' as const, params: { msgs } });
const blocked = { target: '#identify.blocked' } as const;
/** A service threw (database down): end to an agent, saying where. */
const failure = (where: string) =>
  ({ target: '#identify.agent', actions: { type: 'end', params: { end: { kind: 'agent', reason: 'service_error', where } } } }) as const;

export const identifyMachine = identify.createMachine({
  id: 'identify',
  context: ({ input }) => ({
    ...input,
    say: [],
    end: null,
    misses: 0,
    driverNo: input.driver?.driverNo ?? null,
    auth: null,
    reminded: false,
    notice: [],
    outcome: null,
  }),
  initial: 'start',
  states: {
    start: {
      always: [
        { guard: 'codeOnly', target: 'code' },
        { guard: 'isIdentified', target: 'tokenCheck' },
        { guard: 'senderIsDriver', target: 'tokenCheck', actions: 'identifyAsCaller' },
        { guard: 'senderMustBeDriver', target: 'refused', actions: sayMsgs(f('identify.textOnlyFromDriver')) },
        { guard: 'hasCallerDriver', target: 'confirmCaller' },
        { target: 'driverNo' },
      ],
    },
    confirmCaller: ask({
      where: 'identify.confirmCaller',
      agent: AGENT,
      why: 'option',
      // No more than a masked driver number before a code (README, "Before a code").
      prompt: (ctx: IdentifyContext) => [f('identify.confirmCaller', { last: digits(ctx.callerDriver!.driverNo.slice(-4)) })],
      expect: menu(CONFIRM_CALLER_OPTIONS),
      answers: [
        { guard: { type: 'chose', params: { key: '1', options: CONFIRM_CALLER_OPTIONS } }, target: 'tokenCheck', actions: 'identifyAsCaller' },
        { guard: { type: 'chose', params: { key: '2', options: CONFIRM_CALLER_OPTIONS } }, target: 'driverNo' },
        { guard: { type: 'chose', params: { key: '9', options: CONFIRM_CALLER_OPTIONS } }, target: 'language' },
      ],
    }),
    driverNo: ask({
      where: 'identify.driverNo',
      agent: AGENT,
      why: 'driverNo',
      prompt: () => [f('identify.driverNo')],
      expect: digitsExpect('driverNo', 'driverNo'),
      answers: [{ guard: { type: 'validNumber', params: { kind: 'driverNo' } }, target: 'identifying' }],
    }),
    identifying: {
      invoke: {
        src: 'identifyDriver',
        input: ({ event }) => ({ driverNo: numberFrom(event as UserEvent, 'driverNo') ?? '' }),
        onDone: [
          {
            guard: succeeded,
            target: 'tokenCheck',
            actions: assign(({ event }) => {
              const d = isOk(event.output) ? event.output.driver : null;
              return { driver: d, driverNo: d?.driverNo ?? null };
            }),
          },
          { target: 'driverNo', actions: sayMsgs(f('identify.unknown')) },
        ],
        onError: failure('identify.identifying'),
      },
    },
    // Everything about the driver's token and bundles comes after a code: a driver number, keyed
    // or from caller ID, proves nothing.
    tokenCheck: {
      invoke: {
        src: 'tokenStatus',
        input: ({ context }) => ({ driverNo: context.driver!.driverNo }),
        onDone: [
          { guard: labelled('no token', ({ event }: TokenOut) => !event.output.ok), ...blocked, actions: { type: 'notice', params: { msgs: [refusalMsg('token_missing')] } } },
          {
            guard: labelled('locked', ({ event }: TokenOut) => isOk(event.output) && event.output.token.locked),
            ...blocked,
            actions: assign(({ event }) => ({ notice: isOk(event.output) ? [refusalMsg('token_locked', lockEnds(event.output.token))] : [] })),
          },
          {
            // Said before a code, so no date: no more than a code attempt would tell anyone.
            guard: labelled('expired', ({ event }: TokenOut) => isOk(event.output) && event.output.token.expired),
            ...blocked,
            actions: { type: 'notice', params: { msgs: [refusalMsg('token_expired'), f('token.replaceHow')] } },
          },
          {
            // Kept for after the code: the reminder names the token's expiry date.
            target: 'code',
            actions: assign(({ event }) => ({ token: isOk(event.output) ? event.output.token : null })),
          },
        ],
        onError: failure('identify.tokenCheck'),
      },
    },
    code: ask({
      where: 'identify.code',
      agent: AGENT,
      why: 'tokenCode',
      prompt: () => [f('code.prompt')],
      expect: digitsExpect('tokenCode', 'tokenCode', false, 15),
      answers: [{ guard: { type: 'validNumber', params: { kind: 'tokenCode' } }, target: 'verifying' }],
    }),
    verifying: {
      invoke: {
        src: 'verifyCode',
        // The code goes from the event straight to the service: it is never kept in the context.
        input: ({ context, event }) => ({ driverNo: context.driver!.driverNo, code: numberFrom(event as UserEvent, 'tokenCode') ?? '', asker: asker(context) }),
        onDone: [
          {
            guard: succeeded,
            target: 'authorised',
            actions: assign(({ context, event }) => {
              // The token reminder (expiry date, label colour) only now that a code has proved who calls.
              const remind = context.remind && context.token !== null && context.token.needsReplacing && !context.token.expired;
              return {
                auth: isOk(event.output) ? event.output.auth : null,
                ...(remind ? { reminded: true, say: [...context.say, tokenReminder(context.token!)] } : {}),
              };
            }),
          },
          {
            guard: reasonIs('token_code_wrong'),
            target: 'code',
            actions: assign(({ context, event }) => {
              const tries = !event.output.ok && typeof event.output.detail?.triesLeft === 'number' ? event.output.detail.triesLeft : 0;
              return { say: [...context.say, tries === 1 ? f('code.wrongLast') : f('code.wrong', { tries })] };
            }),
          },
          { guard: reasonIs('token_code_reused'), target: 'code', actions: sayMsgs(f('code.reused')) },
          { guard: reasonIs('token_code_format'), target: 'code', actions: sayMsgs(f('miss.tokenCode_format')) },
          { guard: reasonIs('driver_unknown'), target: 'driverNo', actions: sayMsgs(f('identify.unknown')) },
          {
            ...blocked,
            actions: assign(({ event }) => ({ notice: event.output.ok ? [] : tokenBlock(event.output.reason as TokenCodeReason, event.output.detail) })),
          },
        ],
        onError: failure('identify.verifying'),
      },
    },
    authorised: { type: 'final', entry: { type: 'outcome', params: { kind: 'authorised' } } },
    blocked: { type: 'final', entry: { type: 'outcome', params: { kind: 'blocked' } } },
    refused: { type: 'final', entry: { type: 'outcome', params: { kind: 'refused' } } },
    language: { type: 'final', entry: { type: 'outcome', params: { kind: 'language' } } },
    agent: { type: 'final', entry: { type: 'outcome', params: { kind: 'agent' } } },
  },
  output: ({ context }): IdentifyOutput => {
    const common = { say: context.say, driver: context.driver, token: context.token };
    switch (context.outcome) {
      case 'authorised':
        return { ...common, kind: 'authorised', auth: context.auth!, reminded: context.reminded };
      case 'blocked':
        return { ...common, kind: 'blocked', notice: context.notice };
      case 'refused':
        return { ...common, kind: 'refused' };
      case 'language':
        return { ...common, kind: 'language' };
      default:
        return { ...common, kind: 'agent', end: context.end ?? { kind: 'agent', reason: 'requested', where: 'identify' } };
    }
  },
});

export type IdentifyMachine = typeof identifyMachine;
