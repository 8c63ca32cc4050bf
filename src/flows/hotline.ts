/**
 * The hotline: one channel-neutral XState v5 machine for voice, SMS and any text channel. It decides
 * on the channel's capabilities (how the sender is known, whether an SMS can follow), never on its
 * name, and says messages (keys and parameters), never text: channels render.
 * Menu keys are DESIGN.md's stable contract: language 1 Cantonese, 2 Putonghua, 3 English; main
 * menu 1 bundling (1 bundle, 2 hear and cancel your bundles), 2 consignment status, 3 registration
 * status, 4 security token, 5 centres and opening hours, 0 agent, * repeat, 9 change language.
 * In every other menu 0 reaches an agent, * repeats and 9 goes back to the main menu.
 *
 * Service failures (a thrown error from a service: database down) end the conversation with
 * 'flow:error.apology' and a transfer to an agent (`end.reason = 'service_error'`); the runner
 * throws only for its own failures (session store down, a turn that does not settle in time).
 *
 * In pieces: the vocabulary (context, guards, actions, services) in hotline-setup.ts; identification
 * as a child machine (identify.ts); bundling (hotline-bundling.ts) and my bundles
 * (hotline-bundles.ts); the lookups from one factory (lookup.ts); the question wiring every flow
 * shares (question.ts). Diagrams of every flow: docs/diagrams/ (`npm run diagrams`).
 */
import type { AnyStateMachine } from 'xstate';
import { NO_CAPABILITIES, succeeded, type FlowDefinition, type FlowDeps } from './flow.js';
import { ask } from './question.js';
import { createHotlineActors } from './hotline-actors.js';
import {
  ANOTHER_CCRN,
  ANOTHER_REF,
  BLOCKED_OPTIONS,
  BUNDLING_OPTIONS,
  CENTRES_OPTIONS,
  LANGUAGE_OPTIONS,
  MAIN_OPTIONS,
  menu,
  TOKEN_OPTIONS,
} from './hotline-menus.js';
import { infoPrompts } from './hotline-prompts.js';
import { AGENT, choice, failure, hotline, identifyThen, isOk, type HotlineContext, type HotlineInput } from './hotline-setup.js';
import { identifyActors, identifyMachine } from './identify.js';
import { bundlingState } from './hotline-bundling.js';
import { myBundlesState } from './hotline-bundles.js';
import { lookupBranch } from './lookup.js';
import { bundleRefusal, consignmentStatusMsgs, f, registrationMsgs } from './messages.js';
import { assign } from 'xstate';

export type { CentresView, HotlineContext, HotlineInput, TokenInfo } from './hotline-setup.js';

/** Bump when a change makes saved hotline snapshots unreadable or misleading. 2: identify became a child machine. */
export const HOTLINE_VERSION = 2;

const consignmentState = lookupBranch({
  name: 'consignment',
  src: 'consignmentStatus',
  kind: 'ccrn',
  ask: [f('consignment.prompt')],
  refusal: (r) => bundleRefusal(r.reason, r.detail ?? {}),
  result: consignmentStatusMsgs,
  next: f('consignment.next'),
  again: ANOTHER_CCRN,
});

const registrationState = lookupBranch({
  name: 'registration',
  src: 'registrationStatus',
  kind: 'regRef',
  ask: [f('registration.prompt')],
  refusal: () => f('registration.unknown'),
  result: registrationMsgs,
  next: f('registration.next'),
  again: ANOTHER_REF,
});

/**
 * The hotline's definition, without its services: `hotlineMachine(deps)` gives them. The prompts
 * that read the directory and the guidance take them from `deps` (never called to build it).
 */
export function defineHotlineMachine(prompts: ReturnType<typeof infoPrompts>) {
  return hotline.createMachine({
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
      capabilities: input.capabilities,
      localeGiven: input.locale !== undefined,
      callerDriver: null,
      driver: null,
      auth: null,
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
        always: [{ guard: 'entryIsBundling', target: 'bundling' }, { target: 'main' }],
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
      bundling: bundlingState,
      myBundles: myBundlesState,
      consignment: consignmentState,
      registration: registrationState,

      // ---- security token: mine, what to bring, representatives, where --------------------------------
      token: {
        initial: 'menu',
        states: {
          menu: ask({
            where: 'token.menu',
            agent: AGENT,
            why: 'option',
            prompt: prompts.token,
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
            always: [{ guard: 'authorised', target: 'loading' }, { target: 'identify' }],
          },
          // Anyone may hear their own token's status after a code (by SMS too, from any number).
          identify: identifyThen({ then: '#hotline.token.loading', driverOnly: false, remind: false }),
          loading: {
            invoke: {
              src: 'tokenStatus',
              input: ({ context }) => ({ driverNo: context.driver!.driverNo }),
              onDone: [
                {
                  guard: succeeded,
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
        prompt: prompts.centres,
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
        entry: { type: 'say', params: { msgs: [f('error.apology')] } },
      },
    },
  });
}

/** The hotline with its services, given through XState's provide(): what the runner drives. */
export function createHotlineMachine({ services, clock, text }: FlowDeps): AnyStateMachine {
  return defineHotlineMachine(infoPrompts(services)).provide({
    actors: {
      ...createHotlineActors(services, text),
      identify: identifyMachine.provide({ actors: identifyActors(services) }),
    },
    guards: {
      authorised: ({ context }) => context.auth !== null && context.auth.until > clock.now().getTime(),
    },
  });
}

export type HotlineMachine = ReturnType<typeof defineHotlineMachine>;

/** The hotline as the runner plugs it in. */
export const hotlineFlow: FlowDefinition<HotlineInput> = {
  name: 'hotline',
  version: HOTLINE_VERSION,
  createMachine: createHotlineMachine,
  input: (start) => ({
    channel: start.channel,
    caller: start.caller,
    entry: start.entry,
    capabilities: start.capabilities ?? NO_CAPABILITIES,
    ...(start.locale ? { locale: start.locale } : {}),
  }),
};
