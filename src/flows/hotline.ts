/**
 * The hotline: one channel-neutral XState v5 machine for voice, SMS and any text channel.
 * Menu keys are DESIGN.md's stable contract: language 1 Cantonese, 2 Putonghua, 3 English; main
 * menu 1 bundling (1 bundle, 2 hear and cancel your bundles), 2 consignment status, 3 registration
 * status, 4 security token, 5 centres and opening hours, 0 agent, * repeat, 9 change language.
 * In every other menu 0 reaches an agent, * repeats and 9 goes back to the main menu.
 *
 * Service failures (a thrown error from a service: database down) end the conversation with
 * 'flow:error.apology' and a transfer to an agent (`end.reason = 'service_error'`); the runner
 * throws only for its own failures (session store down, a turn that does not settle in time).
 */
import { assign, setup } from 'xstate';
import type { TokenStatusView } from '../core/services.js';
import type { Authorisation, Channel, Direction, Locale } from '../core/types.js';
import { canReceiveSms } from '../core/identifiers.js';
import { MAX_CCRNS } from '../core/bundling.js';
import { render } from '../i18n.js';
import type { ConversationStart, FlowDefinition, FlowDeps } from './flow.js';
import type { End, MenuOption, Msg, UserEvent } from './reply.js';
import { ask, menuExpect, numberFrom, questionGuards, questionUpdates, type MissWhy, type QuestionContext } from './question.js';
import { asker, createHotlineActors, type Refused } from './hotline-actors.js';
import {
  ANOTHER_CCRN,
  ANOTHER_REF,
  BLOCKED_OPTIONS,
  BUNDLING_OPTIONS,
  CANCEL_CONFIRM_OPTIONS,
  CENTRES_OPTIONS,
  CONFIRM_CALLER_OPTIONS,
  LANGUAGE_BY_KEY,
  LANGUAGE_OPTIONS,
  MAIN_MENU,
  MAIN_OPTIONS,
  MAX_LISTED,
  NO_BUNDLES_OPTIONS,
  RESULT_OPTIONS,
  SUMMARY_OPTIONS,
  TOKEN_OPTIONS,
  VEHICLE_CONFIRM_OPTIONS,
  bundleOptions,
  digitsExpect,
  menu,
  vehicleOptions,
} from './hotline-menus.js';
import {
  bundleRefusal,
  ccrnReadBack,
  consignmentStatusMsgs,
  date,
  digits,
  direction as directionWord,
  f,
  GROUP,
  placeName,
  placeWithHours,
  registrationMsgs,
  time,
  lockEnds,
  tokenBlock,
  tokenReminder,
  tokenStatusMsgs,
  vehicle as vehicleParam,
  type BundleInfo,
  type BundleResultInfo,
  type CcrnInfo,
  type ConsignmentInfo,
  type DriverRef,
  type RegistrationInfo,
} from './messages.js';

/** Bump when a change makes saved hotline snapshots unreadable or misleading. */
export const HOTLINE_VERSION = 1;

/** Where identification and a token code lead once done. */
export type After = 'bundle' | 'myBundles' | 'submit' | 'cancel' | 'tokenStatus';

export type TokenInfo = 'which' | 'status' | 'missing' | 'bring' | 'representative' | 'where';
export type CentresView = 'open' | 'post_office' | 'control_point';

export interface HotlineInput {
  channel: Channel;
  caller: string | null;
  entry: ConversationStart['entry'];
  locale?: Locale;
}

export interface HotlineContext extends QuestionContext {
  channel: Channel;
  caller: string | null;
  entry: ConversationStart['entry'];
  /** The language was given (web cookie, SMS LANG): no language menu. */
  localeGiven: boolean;
  /** The registered driver whose mobile is the caller's number (not yet confirmed). */
  callerDriver: DriverRef | null;
  /** The driver identified in this conversation. */
  driver: DriverRef | null;
  /** From a verified token code: lasts 10 minutes. Never the code itself. */
  auth: Authorisation | null;
  after: After;
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

const AGENT = '#hotline.agent';


/** The SMS confirming a bundle, in the caller's language, as text. */
export function confirmationBody(result: BundleResultInfo, locale: Locale): string {
  return render(
    f('sms.bundleConfirmation', {
      ref: digits(result.bundleRef, GROUP.bundleRef),
      vehicle: vehicleParam(result.vehicleMark),
      count: result.ccrns.length,
      ccrns: result.ccrns.join(', '),
      time: time(result.earliestCrossingAt),
    }),
    locale,
    'text',
  );
}

function resultMsgs(r: BundleResultInfo): Msg[] {
  const out = [
    f('result.done', { count: r.ccrns.length, vehicle: vehicleParam(r.vehicleMark) }),
    f('result.reference', { ref: digits(r.bundleRef, GROUP.bundleRef) }),
    f('result.earliest', { time: time(r.earliestCrossingAt) }),
  ];
  for (const ccrn of r.lateCcrns) out.push(f('result.late', { ccrn: digits(ccrn, GROUP.ccrn) }));
  return out;
}

function summaryMsgs(ctx: HotlineContext): Msg[] {
  return [
    f('summary.intro', { count: ctx.ccrns.length, vehicle: vehicleParam(ctx.vehicle ?? '') }),
    ...ctx.ccrns.map((x) => f('summary.item', { ccrn: digits(x.ccrn, GROUP.ccrn), direction: directionWord(x.direction), packages: x.packages })),
    f('summary.prompt'),
  ];
}

function bundleListMsgs(ctx: HotlineContext): Msg[] {
  const listed = ctx.bundles.slice(0, MAX_LISTED);
  return [
    f('myBundles.count', { count: ctx.bundles.length }),
    ...listed.map((b, i) =>
      f('myBundles.item', {
        n: i + 1,
        ref: digits(b.bundleRef, GROUP.bundleRef),
        vehicle: vehicleParam(b.vehicleMark),
        count: b.count,
        direction: directionWord(b.direction),
        time: time(b.earliestCrossingAt),
      }),
    ),
    f('myBundles.choose'),
  ];
}

type Ok<T> = { ok: true } & T;
type Outcome<T> = Ok<T> | Refused;
const isOk = <T>(o: Outcome<T>): o is Ok<T> => o.ok;
const reasonIs =
  (...reasons: string[]) =>
  ({ event }: { event: { output: Outcome<object> } }) =>
    !event.output.ok && reasons.includes(event.output.reason);

// ---- the machine ------------------------------------------------------------------------------------

export function createHotlineMachine({ services, clock }: FlowDeps) {
  const placesOpenNow = () => services.directory.places().filter((p) => p.openNow);

  const centresPrompt = (ctx: HotlineContext): Msg[] => {
    if (ctx.centresView === 'open') {
      const open = placesOpenNow();
      return [
        f('centres.intro'),
        ...(open.length ? [f('centres.openNow', { count: open.length }), ...open.map((p) => f('centres.place', { name: placeName(p) }))] : [f('centres.noneOpen')]),
        f('centres.prompt'),
      ];
    }
    const places = services.directory.places({ kind: ctx.centresView });
    return [f(ctx.centresView === 'post_office' ? 'centres.postOffices' : 'centres.controlPoints'), ...places.flatMap(placeWithHours), f('centres.prompt')];
  };

  const tokenPrompt = (ctx: HotlineContext): Msg[] => {
    const info: Msg[] = (() => {
      switch (ctx.tokenInfo) {
        case 'which':
          return [f('token.which')];
        case 'status':
          return ctx.token ? [...tokenStatusMsgs(ctx.token), ...(ctx.token.needsReplacing ? [f('token.replaceHow')] : [])] : [];
        case 'missing':
          return [f('refusal.token_missing')];
        case 'bring': {
          const g = services.guidance.tokenReplacement();
          return [f('token.bring'), ...g.bring.map((key) => ({ key })), f('token.free')];
        }
        case 'representative': {
          const g = services.guidance.tokenReplacement();
          return [f('token.representative'), ...g.representative.map((key) => ({ key }))];
        }
        case 'where': {
          const open = placesOpenNow();
          return [
            f('token.where'),
            ...(open.length ? [f('centres.openNow', { count: open.length }), ...open.map((p) => f('centres.place', { name: placeName(p) }))] : [f('centres.noneOpen')]),
            f('token.whereHours'),
          ];
        }
      }
    })();
    return [...info, f('token.prompt')];
  };

  const h = setup({
    types: {
      context: {} as HotlineContext,
      events: {} as UserEvent,
      input: {} as HotlineInput,
    },
    actors: createHotlineActors(services),
    guards: {
      ...questionGuards,
      localeGiven: ({ context }) => context.localeGiven,
      localeGivenToDriver: ({ context }) => context.localeGiven && context.callerDriver !== null,
      hasCallerDriver: ({ context }) => context.callerDriver !== null,
      entryIsBundling: ({ context }) => context.entry === 'bundling',
      isIdentified: ({ context }) => context.driver !== null,
      /** By SMS, bundling and bundles are only for the registered driver's own mobile. */
      textNeedsCallerDriver: ({ context }) => context.channel === 'sms' && context.after !== 'tokenStatus',
      textFromCallerDriver: ({ context }) => context.channel === 'sms' && context.after !== 'tokenStatus' && context.callerDriver !== null,
      doneWithCcrns: ({ context, event }) => questionGuards.isDone({ event }) && context.ccrns.length > 0,
      authorised: ({ context }) => context.auth !== null && context.auth.until > clock.now().getTime(),
      afterIs: ({ context }, p: { after: After }) => context.after === p.after,
      noVehicles: ({ context }) => (context.driver?.vehicles.length ?? 0) === 0,
      oneVehicle: ({ context }) => context.driver?.vehicles.length === 1,
      hasCcrns: ({ context }) => context.ccrns.length > 0,
      ccrnsFull: ({ context }) => context.ccrns.length >= MAX_CCRNS,
      shouldConfirmBySms: ({ context }) =>
        context.channel === 'voice' && context.result !== null && context.caller !== null && canReceiveSms(context.caller),
      hasBundles: ({ context }) => context.bundles.length > 0,
    },
    actions: {
      resetMisses: assign(questionUpdates.resetMisses),
      miss: assign(({ context, event }, p: { why: MissWhy }) => questionUpdates.miss({ context, event }, p)),
      giveUp: assign(({ context }, p: { where: string; reason: 'no_input' | 'invalid_input' }) => questionUpdates.giveUp({ context }, p)),
      toAgent: assign(questionUpdates.toAgent),
      say: assign(({ context }, p: { msgs: Msg[] }) => ({ say: [...context.say, ...p.msgs] })),
      /** What blocks the caller: said now, and again on `*`. */
      notice: assign((_, p: { msgs: Msg[] }) => ({ notice: p.msgs })),
      setAfter: assign((_, p: { after: After }) => ({ after: p.after })),
      end: assign((_, p: { end: End }) => ({ end: p.end })),
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
      identifyAsCaller: assign(({ context }) => ({ driver: context.callerDriver, driverNo: context.callerDriver?.driverNo ?? null })),
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
    },
  });

  const choice = (options: MenuOption[], key: string) => ({ type: 'chose' as const, params: { key, options } });
  const sayMsgs = (...msgs: Msg[]) => ({ type: 'say' as const, params: { msgs } });
  const noticeMsgs = (...msgs: Msg[]) => ({ type: 'notice' as const, params: { msgs } });
  const after = (a: After) => ({ type: 'setAfter' as const, params: { after: a } });
  /** A service threw (database down): apologise and hand over to an agent, saying where it happened. */
  const failure = (where: string) =>
    ({ target: '#hotline.failure', actions: { type: 'end', params: { end: { kind: 'agent', reason: 'service_error', where } } } }) as const;

  return h.createMachine({
    id: 'hotline',
    context: ({ input }) => ({
      locale: input.locale ?? 'zh-HK',
      say: [],
      end: null,
      driverNo: null,
      misses: 0,
      channel: input.channel,
      caller: input.caller,
      entry: input.entry,
      localeGiven: input.locale !== undefined,
      callerDriver: null,
      driver: null,
      auth: null,
      after: 'bundle',
      reminded: false,
      smsSent: false,
      vehicle: null,
      direction: null,
      ccrns: [],
      result: null,
      bundles: [],
      cancelRef: null,
      consignment: null,
      registration: null,
      token: null,
      tokenInfo: 'which',
      centresView: 'open',
      notice: [],
    }),
    initial: 'boot',
    on: {
      'user.hangup': { target: '.hungUp', actions: { type: 'end', params: { end: { kind: 'hangup' } } } },
    },
    states: {
      boot: {
        invoke: {
          src: 'lookupCaller',
          input: ({ context }) => ({ caller: context.caller }),
          onDone: { target: 'route', actions: assign({ callerDriver: ({ event }) => event.output }) },
          // Caller ID is a convenience: without it the caller is asked as anyone else.
          onError: { target: 'route' },
        },
      },
      route: {
        always: [
          { guard: 'localeGivenToDriver', target: 'afterLanguage', actions: { type: 'greetDriver', params: { keepLocale: true } } },
          { guard: 'localeGiven', target: 'afterLanguage', actions: 'greet' },
          { guard: 'hasCallerDriver', target: 'afterLanguage', actions: { type: 'greetDriver', params: { keepLocale: false } } },
          { target: 'language' },
        ],
      },
      language: ask({
        where: 'language',
        agent: AGENT,
        why: 'option',
        prompt: () => [
          { key: 'flow:language.welcome', locale: 'zh-HK' },
          { key: 'flow:language.welcome', locale: 'en' },
        ],
        expect: menu(LANGUAGE_OPTIONS),
        answers: [{ guard: { type: 'choseAny', params: { options: LANGUAGE_OPTIONS } }, target: 'afterLanguage', actions: ['chooseLanguage', 'greet'] }],
      }),
      afterLanguage: {
        always: [
          { guard: 'entryIsBundling', target: 'bundling' },
          { target: 'main' },
        ],
      },
      main: ask({
        where: 'main',
        agent: AGENT,
        why: 'option',
        prompt: () => [f('main.prompt')],
        expect: menu(MAIN_OPTIONS),
        answers: [
          { guard: choice(MAIN_OPTIONS, '1'), target: 'bundlingMenu' },
          { guard: choice(MAIN_OPTIONS, '2'), target: 'consignment' },
          { guard: choice(MAIN_OPTIONS, '3'), target: 'registration' },
          { guard: choice(MAIN_OPTIONS, '4'), target: 'token', actions: { type: 'setTokenInfo', params: { info: 'which' } } },
          { guard: choice(MAIN_OPTIONS, '5'), target: 'centres', actions: { type: 'setCentresView', params: { view: 'open' } } },
          { guard: choice(MAIN_OPTIONS, '9'), target: 'language' },
        ],
      }),
      bundlingMenu: ask({
        where: 'bundlingMenu',
        agent: AGENT,
        why: 'option',
        prompt: () => [f('bundlingMenu.prompt')],
        expect: menu(BUNDLING_OPTIONS),
        answers: [
          { guard: choice(BUNDLING_OPTIONS, '1'), target: 'bundling' },
          { guard: choice(BUNDLING_OPTIONS, '2'), target: 'myBundles' },
          { guard: choice(BUNDLING_OPTIONS, '9'), target: 'main' },
        ],
      }),

      // ---- who is calling, and their token code: for bundling, my bundles and token status ----
      identify: {
        initial: 'start',
        states: {
          start: {
            always: [
              { guard: 'isIdentified', target: 'identified' },
              { guard: 'textFromCallerDriver', target: 'identified', actions: 'identifyAsCaller' },
              { guard: 'textNeedsCallerDriver', target: '#hotline.main', actions: sayMsgs(f('identify.textOnlyFromDriver')) },
              { guard: 'hasCallerDriver', target: 'confirmCaller' },
              { target: 'driverNo' },
            ],
          },
          confirmCaller: ask({
            where: 'identify.confirmCaller',
            agent: AGENT,
            why: 'option',
            // No more than a masked driver number before a code (README, "Before a code").
            prompt: (ctx: HotlineContext) => [f('identify.confirmCaller', { last: digits(ctx.callerDriver!.driverNo.slice(-4)) })],
            expect: menu(CONFIRM_CALLER_OPTIONS),
            answers: [
              { guard: choice(CONFIRM_CALLER_OPTIONS, '1'), target: 'identified', actions: 'identifyAsCaller' },
              { guard: choice(CONFIRM_CALLER_OPTIONS, '2'), target: 'driverNo' },
              { guard: choice(CONFIRM_CALLER_OPTIONS, '9'), target: '#hotline.language' },
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
              input: ({ event }) => ({ driverNo: numberFrom(event, 'driverNo') ?? '' }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'identified',
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
          // Everything about the driver's token and bundles comes after a code: a driver number,
          // keyed or from caller ID, proves nothing.
          identified: { always: [{ target: 'tokenCheck' }] },
          tokenCheck: {
            invoke: {
              src: 'tokenStatus',
              input: ({ context }) => ({ driverNo: context.driver!.driverNo }),
              onDone: [
                { guard: ({ event }) => !event.output.ok, target: '#hotline.blocked', actions: noticeMsgs(f('refusal.token_missing')) },
                {
                  guard: ({ event }) => isOk(event.output) && event.output.token.locked,
                  target: '#hotline.blocked',
                  actions: assign(({ event }) => ({ notice: isOk(event.output) ? [f('refusal.token_locked', lockEnds(event.output.token))] : [] })),
                },
                {
                  // Said before a code, so no date: no more than a code attempt would tell anyone.
                  guard: ({ event }) => isOk(event.output) && event.output.token.expired,
                  target: '#hotline.blocked',
                  actions: noticeMsgs(f('refusal.token_expired'), f('token.replaceHow')),
                },
                {
                  // Kept for after the code: the reminder names the token's expiry date.
                  guard: ({ event }) => isOk(event.output),
                  target: 'code',
                  actions: assign(({ event }) => ({ token: isOk(event.output) ? event.output.token : null })),
                },
                { target: 'code' },
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
              input: ({ context, event }) => ({ driverNo: context.driver!.driverNo, code: numberFrom(event, 'tokenCode') ?? '', asker: asker(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'authorised',
                  actions: assign(({ context, event }) => {
                    // The token reminder (expiry date, label colour) only now that a code has proved who calls.
                    const remind = !context.reminded && context.after !== 'tokenStatus' && context.token !== null && context.token.needsReplacing && !context.token.expired;
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
                  target: '#hotline.blocked',
                  actions: assign(({ event }) => ({ notice: event.output.ok ? [] : tokenBlock(event.output.reason, event.output.detail) })),
                },
              ],
              onError: failure('identify.verifying'),
            },
          },
          authorised: {
            always: [
              { guard: { type: 'afterIs', params: { after: 'tokenStatus' } }, target: '#hotline.token.loading' },
              { guard: { type: 'afterIs', params: { after: 'myBundles' } }, target: '#hotline.myBundles.loading' },
              { guard: { type: 'afterIs', params: { after: 'submit' } }, target: '#hotline.bundling.submitting' },
              { guard: { type: 'afterIs', params: { after: 'cancel' } }, target: '#hotline.myBundles.cancelling' },
              { target: '#hotline.bundling.vehicle' },
            ],
          },
        },
      },

      // ---- bundling: vehicle, CCRNs one by one, summary, result ---------------------------------
      bundling: {
        initial: 'start',
        states: {
          start: {
            always: [
              { guard: 'authorised', target: 'vehicle' },
              { target: '#hotline.identify', actions: after('bundle') },
            ],
          },
          vehicle: {
            always: [
              { guard: 'noVehicles', target: '#hotline.blocked', actions: noticeMsgs(f('vehicle.none')) },
              { guard: 'oneVehicle', target: 'vehicleConfirm' },
              { target: 'vehicleChoice' },
            ],
          },
          vehicleConfirm: ask({
            where: 'bundling.vehicleConfirm',
            agent: AGENT,
            why: 'option',
            prompt: (ctx: HotlineContext) => [f('vehicle.confirm', { vehicle: vehicleParam(ctx.driver?.vehicles[0] ?? '') })],
            expect: menu(VEHICLE_CONFIRM_OPTIONS),
            answers: [
              { guard: choice(VEHICLE_CONFIRM_OPTIONS, '1'), target: 'ccrn', actions: 'pickOnlyVehicle' },
              { guard: choice(VEHICLE_CONFIRM_OPTIONS, '2'), target: '#hotline.blocked', actions: noticeMsgs(f('vehicle.onlyOne')) },
            ],
          }),
          vehicleChoice: ask({
            where: 'bundling.vehicleChoice',
            agent: AGENT,
            why: 'option',
            prompt: () => [f('vehicle.choose')],
            expect: (ctx: HotlineContext) => menuExpect(vehicleOptions(ctx)),
            answers: [
              {
                guard: { type: 'choseAny', params: ({ context }: { context: HotlineContext }) => ({ options: vehicleOptions(context) }) },
                target: 'ccrn',
                actions: 'pickVehicle',
              },
            ],
          }),
          ccrn: ask({
            where: 'bundling.ccrn',
            agent: AGENT,
            why: 'ccrn',
            prompt: (ctx: HotlineContext) => [ctx.ccrns.length === 0 ? f('ccrn.first') : f('ccrn.next', { count: ctx.ccrns.length })],
            expect: digitsExpect('ccrn', 'ccrn', true, 15),
            answers: [
              { guard: 'doneWithCcrns', target: 'summary' },
              { guard: 'isDone', actions: { type: 'miss', params: { why: 'ccrn_none' } } },
              { guard: { type: 'validNumber', params: { kind: 'ccrn' } }, target: 'checking' },
            ],
          }),
          checking: {
            invoke: {
              src: 'checkCcrn',
              input: ({ context, event }) => ({
                ccrn: numberFrom(event, 'ccrn') ?? '',
                direction: context.direction,
                taken: context.ccrns.map((x) => x.ccrn),
                asker: asker(context),
              }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'accepted',
                  actions: assign(({ context, event }) => {
                    if (!isOk(event.output)) return {};
                    const info = event.output.info;
                    return { ccrns: [...context.ccrns, info], direction: context.direction ?? info.direction, say: [...context.say, ccrnReadBack(info)] };
                  }),
                },
                {
                  target: 'ccrn',
                  actions: assign(({ context, event }) => ({
                    say: event.output.ok ? context.say : [...context.say, bundleRefusal(event.output.reason, event.output.detail)],
                  })),
                },
              ],
              onError: failure('bundling.checking'),
            },
          },
          accepted: {
            always: [
              { guard: 'ccrnsFull', target: 'summary', actions: sayMsgs(f('ccrn.full', { max: MAX_CCRNS })) },
              { target: 'ccrn' },
            ],
          },
          summary: ask({
            where: 'bundling.summary',
            agent: AGENT,
            why: 'option',
            prompt: summaryMsgs,
            expect: menu(SUMMARY_OPTIONS),
            answers: [
              { guard: choice(SUMMARY_OPTIONS, '1'), target: 'confirmed' },
              { guard: choice(SUMMARY_OPTIONS, '2'), target: 'addMore' },
              { guard: choice(SUMMARY_OPTIONS, '3'), target: 'vehicle', actions: ['clearBundle', sayMsgs(f('summary.cleared'))] },
            ],
          }),
          confirmed: {
            always: [
              { guard: 'authorised', target: 'submitting' },
              { target: '#hotline.identify.code', actions: [sayMsgs(f('code.expired')), after('submit')] },
            ],
          },
          addMore: {
            always: [{ guard: 'ccrnsFull', target: 'summary', actions: sayMsgs(f('ccrn.full', { max: MAX_CCRNS })) }, { target: 'ccrn' }],
          },
          submitting: {
            invoke: {
              src: 'createBundle',
              input: ({ context }) => ({ auth: context.auth!, vehicle: context.vehicle ?? '', ccrns: context.ccrns.map((x) => x.ccrn), asker: asker(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'bundled',
                  actions: assign(({ event }) => ({ result: isOk(event.output) ? event.output.result : null })),
                },
                // A CCRN that changed since it was checked (another driver bundled it): drop it, say why.
                {
                  guard: ({ event }) => !event.output.ok && typeof event.output.detail?.ccrn === 'string',
                  target: 'afterRefusal',
                  actions: assign(({ context, event }) => {
                    if (event.output.ok) return {};
                    const bad = String(event.output.detail?.ccrn);
                    const ccrns = context.ccrns.filter((x) => x.ccrn !== bad);
                    return {
                      ccrns,
                      direction: ccrns[0]?.direction ?? null,
                      say: [...context.say, bundleRefusal(event.output.reason, event.output.detail), f('summary.removed')],
                    };
                  }),
                },
                { guard: reasonIs('not_authorised'), target: '#hotline.identify.code', actions: [sayMsgs(f('code.expired')), after('submit')] },
                {
                  guard: reasonIs('vehicle_not_registered'),
                  target: 'vehicle',
                  actions: ['clearBundle', sayMsgs(f('refusal.vehicle_not_registered'))],
                },
                {
                  target: '#hotline.blocked',
                  actions: assign(({ event }) => ({
                    notice: event.output.ok ? [] : [bundleRefusal(event.output.reason, event.output.detail), ...(reasonIs('token_expired')({ event }) ? [f('token.replaceHow')] : [])],
                  })),
                },
              ],
              onError: failure('bundling.submitting'),
            },
          },
          afterRefusal: {
            always: [{ guard: 'hasCcrns', target: 'summary' }, { target: 'ccrn' }],
          },
          bundled: {
            always: [{ guard: 'shouldConfirmBySms', target: 'confirming' }, { target: 'result' }],
          },
          confirming: {
            invoke: {
              src: 'sendConfirmation',
              input: ({ context }) => ({ to: context.caller!, body: confirmationBody(context.result!, context.locale) }),
              onDone: { target: 'result', actions: assign({ smsSent: true }) },
              // The bundle stands whether or not the SMS goes out.
              onError: { target: 'result' },
            },
          },
          result: ask({
            where: 'bundling.result',
            agent: AGENT,
            why: 'option',
            prompt: (ctx: HotlineContext) => [...(ctx.result ? resultMsgs(ctx.result) : []), ...(ctx.smsSent ? [f('result.smsSent')] : []), f('result.prompt')],
            expect: menu(RESULT_OPTIONS),
            answers: [
              { guard: choice(RESULT_OPTIONS, '1') },
              { guard: choice(RESULT_OPTIONS, '9'), target: '#hotline.main', actions: 'clearBundle' },
            ],
          }),
        },
      },

      // ---- my bundles: hear them, cancel one -----------------------------------------------------
      myBundles: {
        initial: 'start',
        states: {
          start: {
            always: [
              { guard: 'authorised', target: 'loading' },
              { target: '#hotline.identify', actions: after('myBundles') },
            ],
          },
          loading: {
            invoke: {
              src: 'activeBundles',
              input: ({ context }) => ({ auth: context.auth! }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'listed',
                  actions: assign(({ event }) => ({ bundles: isOk(event.output) ? event.output.bundles : [] })),
                },
                { target: '#hotline.identify.code', actions: [sayMsgs(f('code.expired')), after('myBundles')] },
              ],
              onError: failure('myBundles.loading'),
            },
          },
          listed: {
            always: [{ guard: 'hasBundles', target: 'list' }, { target: 'none' }],
          },
          list: ask({
            where: 'myBundles.list',
            agent: AGENT,
            why: 'option',
            prompt: bundleListMsgs,
            expect: (ctx: HotlineContext) => menuExpect(bundleOptions(ctx)),
            answers: [
              { guard: choice([MAIN_MENU], '9'), target: '#hotline.main' },
              {
                guard: { type: 'choseAny', params: ({ context }: { context: HotlineContext }) => ({ options: bundleOptions(context) }) },
                target: 'confirmCancel',
                actions: 'pickBundle',
              },
            ],
          }),
          confirmCancel: ask({
            where: 'myBundles.confirmCancel',
            agent: AGENT,
            why: 'option',
            prompt: (ctx: HotlineContext) => {
              const b = ctx.bundles.find((x) => x.bundleRef === ctx.cancelRef);
              return [f('myBundles.confirmCancel', { ref: digits(ctx.cancelRef ?? '', GROUP.bundleRef), vehicle: vehicleParam(b?.vehicleMark ?? ''), count: b?.count ?? 0 })];
            },
            expect: menu(CANCEL_CONFIRM_OPTIONS),
            answers: [
              { guard: choice(CANCEL_CONFIRM_OPTIONS, '1'), target: 'confirmed' },
              { guard: choice(CANCEL_CONFIRM_OPTIONS, '2'), target: 'list', actions: sayMsgs(f('myBundles.kept')) },
            ],
          }),
          confirmed: {
            always: [
              { guard: 'authorised', target: 'cancelling' },
              { target: '#hotline.identify.code', actions: [sayMsgs(f('code.expired')), after('cancel')] },
            ],
          },
          cancelling: {
            invoke: {
              src: 'unbundle',
              input: ({ context }) => ({ auth: context.auth!, bundleRef: context.cancelRef ?? '', asker: asker(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'loading',
                  actions: assign(({ context }) => ({
                    say: [...context.say, f('myBundles.cancelled', { ref: digits(context.cancelRef ?? '', GROUP.bundleRef) })],
                    cancelRef: null,
                  })),
                },
                { guard: reasonIs('not_authorised'), target: '#hotline.identify.code', actions: [sayMsgs(f('code.expired')), after('cancel')] },
                {
                  target: 'loading',
                  actions: assign(({ context, event }) => ({
                    say: [...context.say, f(`myBundles.refusal.${event.output.ok ? 'other' : event.output.reason}`)],
                    cancelRef: null,
                  })),
                },
              ],
              onError: failure('myBundles.cancelling'),
            },
          },
          none: ask({
            where: 'myBundles.none',
            agent: AGENT,
            why: 'option',
            prompt: () => [f('myBundles.none')],
            expect: menu(NO_BUNDLES_OPTIONS),
            answers: [
              { guard: choice(NO_BUNDLES_OPTIONS, '1'), target: '#hotline.bundling' },
              { guard: choice(NO_BUNDLES_OPTIONS, '9'), target: '#hotline.main' },
            ],
          }),
        },
      },

      // ---- consignment (CCRN) status ---------------------------------------------------------------
      consignment: {
        initial: 'ask',
        states: {
          ask: ask({
            where: 'consignment.ask',
            agent: AGENT,
            why: 'ccrn',
            prompt: () => [f('consignment.prompt')],
            expect: digitsExpect('ccrn', 'ccrn', true, 15),
            answers: [{ guard: { type: 'validNumber', params: { kind: 'ccrn' } }, target: 'looking' }],
          }),
          looking: {
            invoke: {
              src: 'consignmentStatus',
              input: ({ context, event }) => ({ ccrn: numberFrom(event, 'ccrn') ?? '', asker: asker(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'result',
                  actions: assign(({ event }) => ({ consignment: isOk(event.output) ? event.output.info : null })),
                },
                {
                  target: 'ask',
                  actions: assign(({ context, event }) => ({
                    say: [...context.say, event.output.ok ? f('refusal.other') : bundleRefusal(event.output.reason, event.output.detail ?? {})],
                  })),
                },
              ],
              onError: failure('consignment.looking'),
            },
          },
          result: ask({
            where: 'consignment.result',
            agent: AGENT,
            why: 'option',
            prompt: (ctx: HotlineContext) => [...(ctx.consignment ? consignmentStatusMsgs(ctx.consignment) : []), f('consignment.next')],
            expect: menu(ANOTHER_CCRN),
            answers: [
              { guard: choice(ANOTHER_CCRN, '1'), target: 'ask' },
              { guard: choice(ANOTHER_CCRN, '9'), target: '#hotline.main' },
            ],
          }),
        },
      },

      // ---- registration status -------------------------------------------------------------------------
      registration: {
        initial: 'ask',
        states: {
          ask: ask({
            where: 'registration.ask',
            agent: AGENT,
            why: 'regRef',
            prompt: () => [f('registration.prompt')],
            expect: digitsExpect('regRef', 'regRef', true, 15),
            answers: [{ guard: { type: 'validNumber', params: { kind: 'regRef' } }, target: 'looking' }],
          }),
          looking: {
            invoke: {
              src: 'registrationStatus',
              input: ({ context, event }) => ({ refNo: numberFrom(event, 'regRef') ?? '', asker: asker(context) }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'result',
                  actions: assign(({ event }) => ({ registration: isOk(event.output) ? event.output.info : null })),
                },
                { target: 'ask', actions: sayMsgs(f('registration.unknown')) },
              ],
              onError: failure('registration.looking'),
            },
          },
          result: ask({
            where: 'registration.result',
            agent: AGENT,
            why: 'option',
            prompt: (ctx: HotlineContext) => [...(ctx.registration ? registrationMsgs(ctx.registration) : []), f('registration.next')],
            expect: menu(ANOTHER_REF),
            answers: [
              { guard: choice(ANOTHER_REF, '1'), target: 'ask' },
              { guard: choice(ANOTHER_REF, '9'), target: '#hotline.main' },
            ],
          }),
        },
      },

      // ---- security token: mine, what to bring, representatives, where --------------------------------
      token: {
        initial: 'menu',
        states: {
          menu: ask({
            where: 'token.menu',
            agent: AGENT,
            why: 'option',
            prompt: tokenPrompt,
            expect: menu(TOKEN_OPTIONS),
            answers: [
              { guard: choice(TOKEN_OPTIONS, '1'), target: 'mine' },
              { guard: choice(TOKEN_OPTIONS, '2'), actions: { type: 'setTokenInfo', params: { info: 'bring' } } },
              { guard: choice(TOKEN_OPTIONS, '3'), actions: { type: 'setTokenInfo', params: { info: 'representative' } } },
              { guard: choice(TOKEN_OPTIONS, '4'), actions: { type: 'setTokenInfo', params: { info: 'where' } } },
              { guard: choice(TOKEN_OPTIONS, '9'), target: '#hotline.main' },
            ],
          }),
          mine: {
            always: [{ guard: 'authorised', target: 'loading' }, { target: '#hotline.identify', actions: after('tokenStatus') }],
          },
          loading: {
            invoke: {
              src: 'tokenStatus',
              input: ({ context }) => ({ driverNo: context.driver!.driverNo }),
              onDone: [
                {
                  guard: ({ event }) => event.output.ok,
                  target: 'menu',
                  actions: assign(({ event }) => ({ token: isOk(event.output) ? event.output.token : null, tokenInfo: 'status' as const })),
                },
                { target: 'menu', actions: assign({ tokenInfo: 'missing' as const }) },
              ],
              onError: failure('token.loading'),
            },
          },
        },
      },

      centres: ask({
        where: 'centres',
        agent: AGENT,
        why: 'option',
        prompt: centresPrompt,
        expect: menu(CENTRES_OPTIONS),
        answers: [
          { guard: choice(CENTRES_OPTIONS, '1'), actions: { type: 'setCentresView', params: { view: 'post_office' } } },
          { guard: choice(CENTRES_OPTIONS, '2'), actions: { type: 'setCentresView', params: { view: 'control_point' } } },
          { guard: choice(CENTRES_OPTIONS, '9'), target: 'main' },
        ],
      }),

      /** The caller cannot go on (token locked or expired, no vehicle): say why, offer an agent. */
      blocked: ask({
        where: 'blocked',
        agent: AGENT,
        why: 'option',
        prompt: (ctx: HotlineContext) => [...ctx.notice, f('blocked.prompt')],
        expect: menu(BLOCKED_OPTIONS),
        answers: [{ guard: choice(BLOCKED_OPTIONS, '9'), target: 'main', actions: 'clearBundle' }],
      }),

      agent: { type: 'final' },
      hungUp: { type: 'final' },
      failure: {
        type: 'final',
        entry: sayMsgs(f('error.apology')),
      },
    },
  });
}

export type HotlineMachine = ReturnType<typeof createHotlineMachine>;

/** The hotline as the runner plugs it in. */
export const hotlineFlow: FlowDefinition<HotlineInput> = {
  name: 'hotline',
  version: HOTLINE_VERSION,
  createMachine: createHotlineMachine,
  input: (start) => ({
    channel: start.channel,
    caller: start.caller,
    entry: start.entry,
    ...(start.locale ? { locale: start.locale } : {}),
  }),
};
