/** The hotline's "my bundles" branch: identify, hear the driver's bundles, cancel one. */
import { succeeded } from './flow.js';
import { assign } from 'xstate';
import { ask, menuExpect } from './question.js';
import { asker } from './hotline-actors.js';
import { bundleOptions, CANCEL_CONFIRM_OPTIONS, MAIN_MENU, menu, NO_BUNDLES_OPTIONS } from './hotline-menus.js';
import { bundleListMsgs } from './hotline-prompts.js';
import { AGENT, choice, failure, hotline, identifyThen, isOk, reasonIs, sayMsgs, type HotlineContext } from './hotline-setup.js';
import { digits, f, GROUP, vehicle as vehicleParam } from './messages.js';

export const myBundlesState = hotline.createStateConfig({
  initial: 'start',
  states: {
    start: {
      always: [{ guard: 'authorised', target: 'loading' }, { target: 'identify' }],
    },
    identify: identifyThen({ then: '#hotline.myBundles.loading', driverOnly: true, remind: true }),
    loading: {
      invoke: {
        src: 'activeBundles',
        input: ({ context }) => ({ auth: context.auth! }),
        onDone: [
          {
            guard: succeeded,
            target: 'listed',
            actions: assign(({ event }) => ({ bundles: isOk(event.output) ? event.output.bundles : [] })),
          },
          { target: 'reauthoriseToList', actions: sayMsgs(f('code.expired')) },
        ],
        onError: failure('myBundles.loading'),
      },
    },
    /** The authorisation lapsed: the code again, then the list. */
    reauthoriseToList: identifyThen({ then: '#hotline.myBundles.loading', codeOnly: true, driverOnly: true, remind: true }),
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
      always: [{ guard: 'authorised', target: 'cancelling' }, { target: 'reauthoriseToCancel', actions: sayMsgs(f('code.expired')) }],
    },
    /** The authorisation lapsed before the cancellation: the code again, then cancel. */
    reauthoriseToCancel: identifyThen({ then: '#hotline.myBundles.cancelling', codeOnly: true, driverOnly: true, remind: true }),
    cancelling: {
      invoke: {
        src: 'unbundle',
        input: ({ context }) => ({ auth: context.auth!, bundleRef: context.cancelRef ?? '', asker: asker(context) }),
        onDone: [
          {
            guard: succeeded,
            target: 'loading',
            actions: assign(({ context }) => ({
              say: [...context.say, f('myBundles.cancelled', { ref: digits(context.cancelRef ?? '', GROUP.bundleRef) })],
              cancelRef: null,
            })),
          },
          { guard: reasonIs('not_authorised'), target: 'reauthoriseToCancel', actions: sayMsgs(f('code.expired')) },
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
});
