/** The hotline's bundling branch: identify, vehicle, CCRNs one by one, summary, bundle, result. */
import { labelled, succeeded } from './flow.js';
import { assign } from 'xstate';
import { MAX_CCRNS } from '../core/bundling.js';
import { ask, menuExpect, numberFrom } from './question.js';
import { asker } from './hotline-actors.js';
import { digitsExpect, menu, RESULT_OPTIONS, SUMMARY_OPTIONS, VEHICLE_CONFIRM_OPTIONS, vehicleOptions } from './hotline-menus.js';
import { confirmationMsg, resultMsgs, summaryMsgs } from './hotline-prompts.js';
import { AGENT, choice, failure, hotline, identifyThen, isOk, noticeMsgs, reasonIs, sayMsgs, type HotlineContext } from './hotline-setup.js';
import { bundleRefusal, ccrnReadBack, f, vehicle as vehicleParam } from './messages.js';
import type { UserEvent } from './reply.js';
import { refusalMsg } from './catalogue.js';

export const bundlingState = hotline.createStateConfig({
  initial: 'start',
  states: {
    start: {
      always: [{ guard: 'authorised', target: 'vehicle' }, { target: 'identify' }],
    },
    identify: identifyThen({ then: '#hotline.bundling.vehicle', driverOnly: true, remind: true }),
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
          ccrn: numberFrom(event as UserEvent, 'ccrn') ?? '',
          direction: context.direction,
          taken: context.ccrns.map((x) => x.ccrn),
          asker: asker(context),
        }),
        onDone: [
          {
            guard: succeeded,
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
      always: [{ guard: 'ccrnsFull', target: 'summary', actions: sayMsgs(f('ccrn.full', { max: MAX_CCRNS })) }, { target: 'ccrn' }],
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
      always: [{ guard: 'authorised', target: 'submitting' }, { target: 'reauthorise', actions: sayMsgs(f('code.expired')) }],
    },
    /** The authorisation lapsed before the bundle was made: the code again, then bundle. */
    reauthorise: identifyThen({ then: '#hotline.bundling.submitting', codeOnly: true, driverOnly: true, remind: true }),
    addMore: {
      always: [{ guard: 'ccrnsFull', target: 'summary', actions: sayMsgs(f('ccrn.full', { max: MAX_CCRNS })) }, { target: 'ccrn' }],
    },
    submitting: {
      invoke: {
        src: 'createBundle',
        input: ({ context }) => ({ auth: context.auth!, vehicle: context.vehicle ?? '', ccrns: context.ccrns.map((x) => x.ccrn), asker: asker(context) }),
        onDone: [
          {
            guard: succeeded,
            target: 'bundled',
            actions: assign(({ event }) => ({ result: isOk(event.output) ? event.output.result : null })),
          },
          // A CCRN that changed since it was checked (another driver bundled it): drop it, say why.
          {
            guard: labelled('a CCRN refused', ({ event }: { event: { output: { ok: boolean; detail?: Record<string, unknown> } } }) => !event.output.ok && typeof event.output.detail?.ccrn === 'string'),
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
          { guard: reasonIs('not_authorised'), target: 'reauthorise', actions: sayMsgs(f('code.expired')) },
          {
            guard: reasonIs('vehicle_not_registered'),
            target: 'vehicle',
            actions: ['clearBundle', sayMsgs(refusalMsg('vehicle_not_registered'))],
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
        input: ({ context }) => ({ to: context.caller!, msg: confirmationMsg(context.result!), locale: context.locale }),
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
});
