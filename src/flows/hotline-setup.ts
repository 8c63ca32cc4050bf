/**
 * The hotline's vocabulary: its context, guards and actions, and the services it calls, declared
 * once (XState `setup`). The services are placeholders here: createHotlineMachine gives the real
 * ones through `provide()`. The states are in hotline.ts and the hotline-*.ts files beside it.
 */
import { assign, forwardTo, setup } from 'xstate';
import type { TokenStatusView } from '../core/services.js';
import type { Authorisation, Channel, Direction } from '../core/types.js';
import { canReceiveSms } from '../core/identifiers.js';
import { MAX_CCRNS } from '../core/bundling.js';
import { labelled, type Capabilities, type ConversationStart } from './flow.js';
import type { End, MenuOption, Msg, UserEvent } from './reply.js';
import { questionActions, questionGuards, type QuestionContext } from './question.js';
import type { createHotlineActors } from './hotline-actors.js';
import { identifyMachine, type IdentifyOutput } from './identify.js';
import { bundleOptions, LANGUAGE_BY_KEY, LANGUAGE_OPTIONS, vehicleOptions } from './hotline-menus.js';
import { f, type BundleInfo, type BundleResultInfo, type CcrnInfo, type ConsignmentInfo, type DriverRef, type RegistrationInfo } from './messages.js';
import { unprovided } from './unprovided.js';

export type TokenInfo = 'which' | 'status' | 'missing' | 'bring' | 'representative' | 'where';
export type CentresView = 'open' | 'post_office' | 'control_point';

export interface HotlineInput {
  /** For the audit of service calls only: the flow never decides on it (capabilities do). */
  channel: Channel;
  caller: string | null;
  entry: ConversationStart['entry'];
  capabilities: Capabilities;
  locale?: HotlineContext['locale'];
}

export interface HotlineContext extends QuestionContext {
  channel: Channel;
  caller: string | null;
  entry: ConversationStart['entry'];
  capabilities: Capabilities;
  /** The language was given (web cookie, SMS LANG): no language menu. */
  localeGiven: boolean;
  /** The registered driver whose mobile is the caller's number (not yet confirmed). */
  callerDriver: DriverRef | null;
  /** The driver identified in this conversation. */
  driver: DriverRef | null;
  /** From a verified token code: lasts 10 minutes. Never the code itself. */
  auth: Authorisation | null;
  /** The token reminder was said once in this conversation. */
  reminded: boolean;
  /** The bundle confirmation went out by SMS. */
  smsSent: boolean;
  vehicle: string | null;
  direction: Direction | null;
  ccrns: CcrnInfo[];
  result: BundleResultInfo | null;
  bundles: BundleInfo[];
  cancelRef: string | null;
  consignment: ConsignmentInfo | null;
  registration: RegistrationInfo | null;
  token: TokenStatusView | null;
  tokenInfo: TokenInfo;
  centresView: CentresView;
  /** Why the caller cannot go on (blocked state), said again on `*`. */
  notice: Msg[];
}

export type HotlineActors = ReturnType<typeof createHotlineActors>;

export const HOTLINE_SERVICES = [
  'lookupCaller',
  'identifyDriver',
  'tokenStatus',
  'verifyCode',
  'checkCcrn',
  'createBundle',
  'sendConfirmation',
  'activeBundles',
  'unbundle',
  'consignmentStatus',
  'registrationStatus',
] as const satisfies readonly (keyof HotlineActors)[];

export const hotline = setup({
  types: {
    context: {} as HotlineContext,
    events: {} as UserEvent,
    input: {} as HotlineInput,
  },
  actors: { ...unprovided<HotlineActors>('hotline', HOTLINE_SERVICES), identify: identifyMachine },
  guards: {
    ...questionGuards,
    localeGiven: ({ context }) => context.localeGiven,
    localeGivenToDriver: ({ context }) => context.localeGiven && context.callerDriver !== null,
    hasCallerDriver: ({ context }) => context.callerDriver !== null,
    entryIsBundling: ({ context }) => context.entry === 'bundling',
    doneWithCcrns: ({ context, event }) => questionGuards.isDone({ event }) && context.ccrns.length > 0,
    /** The authorisation has not lapsed: provided with the clock (createHotlineMachine). */
    authorised: (_: unknown) => false,
    noVehicles: ({ context }) => (context.driver?.vehicles.length ?? 0) === 0,
    oneVehicle: ({ context }) => context.driver?.vehicles.length === 1,
    hasCcrns: ({ context }) => context.ccrns.length > 0,
    ccrnsFull: ({ context }) => context.ccrns.length >= MAX_CCRNS,
    shouldConfirmBySms: ({ context }) =>
      context.capabilities.canSendSms && context.result !== null && context.caller !== null && canReceiveSms(context.caller),
    hasBundles: ({ context }) => context.bundles.length > 0,
  },
  actions: {
    ...questionActions<HotlineContext>(),
    /** What blocks the caller: said now, and again on `*`. */
    notice: assign((_, p: { msgs: Msg[] }) => ({ notice: p.msgs })),
    chooseLanguage: assign(({ event }) => {
      const key = questionGuards.chose({ event }, { key: '1', options: LANGUAGE_OPTIONS })
        ? '1'
        : questionGuards.chose({ event }, { key: '2', options: LANGUAGE_OPTIONS })
          ? '2'
          : '3';
      return { locale: LANGUAGE_BY_KEY[key]! };
    }),
    greet: assign(({ context }) => ({ say: [...context.say, f('greeting.welcome')] })),
    /**
     * A caller recognised by caller ID: greeted in the driver's language (unless the channel already
     * knows the caller's), never by name: caller ID is not identity (README, "Before a code").
     */
    greetDriver: assign(({ context }, p: { keepLocale: boolean }) => {
      const locale = p.keepLocale ? context.locale : context.callerDriver!.locale;
      return { locale, say: [...context.say, f('greeting.welcome')] };
    }),
    pickVehicle: assign(({ context, event }) => {
      const options = vehicleOptions(context);
      const key = options.find((o) => questionGuards.chose({ event }, { key: o.key, options }))?.key;
      const index = key ? Number(key) - 1 : -1;
      return { vehicle: context.driver?.vehicles[index] ?? null };
    }),
    pickOnlyVehicle: assign(({ context }) => ({ vehicle: context.driver?.vehicles[0] ?? null })),
    pickBundle: assign(({ context, event }) => {
      const options = bundleOptions(context);
      const key = options.find((o) => o.key !== '9' && questionGuards.chose({ event }, { key: o.key, options }))?.key;
      return { cancelRef: key ? (context.bundles[Number(key) - 1]?.bundleRef ?? null) : null };
    }),
    clearBundle: assign({ vehicle: null, direction: null, ccrns: [], result: null, smsSent: false }),
    setTokenInfo: assign((_, p: { info: TokenInfo }) => ({ tokenInfo: p.info })),
    setCentresView: assign((_, p: { view: CentresView }) => ({ centresView: p.view })),
    toIdentify: forwardTo('identify'),
  },
});

export const AGENT = '#hotline.agent';

export const choice = (options: MenuOption[], key: string) => ({ type: 'chose' as const, params: { key, options } });
export const sayMsgs = (...msgs: Msg[]) => ({ type: 'say' as const, params: { msgs } });
export const noticeMsgs = (...msgs: Msg[]) => ({ type: 'notice' as const, params: { msgs } });
/** A service threw (database down): apologise and hand over to an agent, saying where it happened. */
export const failure = (where: string) =>
  ({ target: '#hotline.failure', actions: { type: 'end', params: { end: { kind: 'agent', reason: 'service_error', where } } } }) as const;

export type Refusal = { ok: false; reason: string; detail?: Record<string, unknown> };
export const isOk = <T extends { ok: boolean }>(o: T | Refusal): o is Exclude<T, Refusal> & { ok: true } => o.ok;
export const reasonIs = (...reasons: string[]) =>
  labelled(reasons.join(' or '), ({ event }: { event: { output: { ok: boolean; reason?: string } } }) => !event.output.ok && reasons.includes(event.output.reason ?? ''));

type Outcome<K extends IdentifyOutput['kind']> = Extract<IdentifyOutput, { kind: K }>;
const outcomeIs = (kind: IdentifyOutput['kind']) => labelled(kind, ({ event }: { event: { output: IdentifyOutput } }) => event.output.kind === kind);
/** What identification leaves in the hotline's context, whatever its outcome. */
const fromIdentify = (context: HotlineContext, out: IdentifyOutput & { token?: TokenStatusView | null }) => ({
  say: [...context.say, ...out.say],
  ...(out.driver ? { driver: out.driver, driverNo: out.driver.driverNo } : {}),
  ...(out.token !== undefined ? { token: out.token } : {}),
});

/**
 * A state that runs `identify` (src/flows/identify.ts) as a child machine and goes on with its
 * output: to `then` once authorised; to the blocked notice, the main menu, the language menu or an
 * agent otherwise. The user's answers go to the child while it runs.
 */
export function identifyThen(spec: { then: string; codeOnly?: boolean; driverOnly: boolean; remind: boolean }) {
  return hotline.createStateConfig({
    invoke: {
      id: 'identify',
      src: 'identify',
      input: ({ context }) => ({
        locale: context.locale,
        channel: context.channel,
        caller: context.caller,
        sender: context.capabilities.sender,
        callerDriver: context.callerDriver,
        driver: context.driver,
        token: context.token,
        codeOnly: spec.codeOnly ?? false,
        driverOnly: spec.driverOnly,
        remind: spec.remind && !context.reminded,
      }),
      onDone: [
        {
          guard: outcomeIs('authorised'),
          target: spec.then,
          actions: assign(({ context, event }) => {
            const out = event.output as Outcome<'authorised'>;
            return { ...fromIdentify(context, out), auth: out.auth, reminded: context.reminded || out.reminded };
          }),
        },
        {
          guard: outcomeIs('blocked'),
          target: '#hotline.blocked',
          actions: assign(({ context, event }) => ({ ...fromIdentify(context, event.output), notice: (event.output as Outcome<'blocked'>).notice })),
        },
        { guard: outcomeIs('refused'), target: '#hotline.main', actions: assign(({ context, event }) => fromIdentify(context, event.output)) },
        { guard: outcomeIs('language'), target: '#hotline.language', actions: assign(({ context, event }) => fromIdentify(context, event.output)) },
        {
          guard: labelled('service_error', ({ event }: { event: { output: IdentifyOutput } }) => event.output.kind === 'agent' && event.output.end.kind === 'agent' && event.output.end.reason === 'service_error'),
          target: '#hotline.failure',
          actions: assign(({ context, event }) => ({ ...fromIdentify(context, event.output), end: (event.output as Outcome<'agent'>).end })),
        },
        {
          target: '#hotline.agent',
          actions: assign(({ context, event }) => ({ ...fromIdentify(context, event.output), end: (event.output as Outcome<'agent'>).end as End })),
        },
      ],
      onError: failure('identify'),
    },
    on: {
      'user.digits': { actions: 'toIdentify' },
      'user.text': { actions: 'toIdentify' },
      'user.silence': { actions: 'toIdentify' },
    },
  });
}
