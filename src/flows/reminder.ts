/**
 * The outbound reminder call: the reminder in the driver's language, then a menu — 1 where to
 * replace the token and what to bring, 2 all of it by SMS (offered only to a driver who can and
 * may receive SMS), 0 an agent, * the message again. Answering machines never reach this flow:
 * the route leaves them a short message (src/channels/reminder-voice/routes.ts).
 */
import { assign, fromPromise, setup } from 'xstate';
import type { Locale } from '../core/types.js';
import { canReceiveSms } from '../core/identifiers.js';
import { labelled, type ConversationStart, type FlowDefinition, type FlowDeps } from './flow.js';
import type { MenuOption, UserEvent } from './reply.js';
import { ask, menuExpect, questionActions, questionGuards, type QuestionContext } from './question.js';
import { f } from './messages.js';
import { unprovided } from './unprovided.js';
import { callMessage, detailsMessages, detailsSms, type ReminderFacts } from '../reminders/messages.js';
import { hongKongDateOf } from '../reminders/schedule.js';

/** Bump when a change makes saved reminder-call snapshots unreadable or misleading. */
export const REMINDER_VERSION = 1;

export interface ReminderInput {
  driverNo: string | null;
  /** The number called (the driver's). */
  caller: string | null;
  locale?: Locale;
}

export interface ReminderContext extends QuestionContext {
  caller: string | null;
  localeGiven: boolean;
  serial: string | null;
  expiresOn: string | null;
  /** Option 2 is offered: the number takes SMS and the driver has not opted out. */
  smsOffer: boolean;
  /** What the menu says before its options: the reminder, or the details after 1. */
  part: 'message' | 'details';
}

/** What the flow needs besides the services: the SMS opt-out list and the hotline. */
export interface ReminderFlowDeps {
  isOptedOut(e164: string): Promise<boolean>;
  /** E.164 of the hotline the messages give. */
  hotline: string;
}

const AGENT = '#reminder.agent';

const DETAILS: MenuOption = {
  key: '1',
  label: 'reminders:call.option.details',
  words: ['where', 'bring', 'details', 'places', '地點', '地点', '邊度', '邊間', '哪里', '哪裡', '帶咩', '带什么', '帶什麼', '文件'],
};
const BY_SMS: MenuOption = { key: '2', label: 'reminders:call.option.sms', words: ['sms', 'text', 'message', '短訊', '短信', '訊息', '信息'] };
const AGENT_OPTION: MenuOption = { key: '0', label: 'reminders:call.option.agent' };
const REPEAT_OPTION: MenuOption = { key: '*', label: 'reminders:call.option.repeat' };

export const reminderOptions = (ctx: Pick<ReminderContext, 'smsOffer'>): MenuOption[] =>
  ctx.smsOffer ? [DETAILS, BY_SMS, AGENT_OPTION, REPEAT_OPTION] : [DETAILS, AGENT_OPTION, REPEAT_OPTION];

interface Loaded {
  locale: Locale;
  serial: string;
  expiresOn: string;
  smsOffer: boolean;
}

/** The reminder call's services, given to the machine through provide() (a test may give others). */
export function reminderActors(services: FlowDeps['services'], extra: ReminderFlowDeps) {
  return {
    load: fromPromise<Loaded, { driverNo: string | null; caller: string | null }>(async ({ input }) => {
      if (!input.driverNo) throw new Error('reminder call without a driver');
      const found = await services.drivers.identify({ driverNo: input.driverNo });
      if (!found.ok) throw new Error(`reminder call: ${found.reason}`);
      const token = await services.tokens.status({ driverNo: input.driverNo });
      if (!token.ok) throw new Error(`reminder call: ${token.reason}`);
      const number = input.caller ?? found.driver.mobile;
      const smsOffer =
        number !== null && found.driver.smsCapable && canReceiveSms(number) && !(await extra.isOptedOut(number));
      return { locale: found.driver.locale, serial: token.token.serial, expiresOn: token.token.expiresOn, smsOffer };
    }),
    sendDetails: fromPromise<boolean, { to: string; text: string }>(async ({ input }) => {
      const sent = await services.outbound.sendSms({ to: input.to, body: input.text, purpose: 'reminder_details' });
      return sent.ok;
    }),
  };
}
type ReminderActors = ReturnType<typeof reminderActors>;

export function createReminderMachine({ services, clock }: FlowDeps, extra: ReminderFlowDeps) {
  const facts = (ctx: ReminderContext): ReminderFacts => ({
    serial: ctx.serial ?? '',
    expiresOn: ctx.expiresOn ?? hongKongDateOf(clock.now()),
    today: hongKongDateOf(clock.now()),
    hotline: extra.hotline,
  });
  const places = () => services.guidance.tokenReplacement().places;

  const r = setup({
    types: {
      context: {} as ReminderContext,
      events: {} as UserEvent,
      input: {} as ReminderInput,
    },
    actors: unprovided<ReminderActors>('reminder', ['load', 'sendDetails']),
    guards: {
      ...questionGuards,
      /** 2 counts only where it was offered: elsewhere it is no option. */
      choseSms: ({ context, event }) => context.smsOffer && questionGuards.chose({ event }, { key: '2', options: [DETAILS, BY_SMS] }),
      heardDetails: ({ context }) => context.part === 'details',
    },
    actions: {
      ...questionActions<ReminderContext>(),
      showDetails: assign({ part: 'details' as const, misses: 0 }),
    },
  });

  const chose = (key: string) => ({ type: 'chose' as const, params: { key, options: [DETAILS, BY_SMS] } });
  const menu = ask({
    where: 'reminder.menu',
    agent: AGENT,
    why: 'option',
    prompt: (ctx: ReminderContext) => (ctx.part === 'message' ? [callMessage(facts(ctx))] : detailsMessages(places(), ctx.locale, extra.hotline)),
    expect: (ctx: ReminderContext) => menuExpect(reminderOptions(ctx)),
    answers: [
      { guard: chose('1'), actions: 'showDetails' },
      { guard: 'choseSms', target: 'sendSms' },
    ],
  });

  return r.createMachine({
    id: 'reminder',
    context: ({ input }) => ({
      locale: input.locale ?? 'zh-HK',
      localeGiven: input.locale !== undefined,
      say: [],
      end: null,
      driverNo: input.driverNo,
      misses: 0,
      caller: input.caller,
      serial: null,
      expiresOn: null,
      smsOffer: false,
      part: 'message',
    }),
    initial: 'boot',
    on: {
      'user.hangup': { target: '.hungUp', actions: { type: 'end', params: { end: { kind: 'hangup' } } } },
    },
    states: {
      boot: {
        invoke: {
          src: 'load',
          input: ({ context }) => ({ driverNo: context.driverNo, caller: context.caller }),
          onDone: {
            target: 'menu',
            actions: assign(({ context, event }) => ({
              locale: context.localeGiven ? context.locale : event.output.locale,
              serial: event.output.serial,
              expiresOn: event.output.expiresOn,
              smsOffer: event.output.smsOffer,
            })),
          },
          onError: { target: 'failure', actions: { type: 'end', params: { end: { kind: 'agent', reason: 'service_error', where: 'reminder.boot' } } } },
        },
      },
      menu: {
        ...menu,
        on: {
          ...menu.on,
          // A silent driver has heard the reminder: after the details, or after asking again, goodbye
          // (an outbound reminder does not send a silent line to an agent).
          'user.silence': [
            { guard: 'heardDetails', target: 'goodbye' },
            { guard: 'mayMissAgain', actions: { type: 'miss', params: { why: 'no_input' } } },
            { target: 'goodbye' },
          ],
        },
      },
      sendSms: {
        invoke: {
          src: 'sendDetails',
          input: ({ context }) => ({ to: context.caller ?? '', text: detailsSms(places(), context.locale, facts(context)) }),
          onDone: [
            { guard: labelled('sent', ({ event }: { event: { output: boolean } }) => event.output), target: 'goodbye', actions: { type: 'say', params: { msgs: [{ key: 'reminders:call.sms_sent' }] } } },
            { target: 'menu', actions: { type: 'say', params: { msgs: [{ key: 'reminders:call.sms_failed', params: { hotline: { kind: 'digits', value: extra.hotline.replace(/^\+852/, ''), group: 4 } } }] } } },
          ],
          onError: {
            target: 'menu',
            actions: { type: 'say', params: { msgs: [{ key: 'reminders:call.sms_failed', params: { hotline: { kind: 'digits', value: extra.hotline.replace(/^\+852/, ''), group: 4 } } }] } },
          },
        },
      },
      goodbye: {
        type: 'final',
        entry: [
          { type: 'say', params: { msgs: [{ key: 'reminders:call.goodbye' }] } },
          { type: 'end', params: { end: { kind: 'hangup' } } },
        ],
      },
      agent: { type: 'final' },
      hungUp: { type: 'final' },
      failure: { type: 'final', entry: { type: 'say', params: { msgs: [f('error.apology')] } } },
    },
  }).provide({ actors: reminderActors(services, extra) });
}

/** The reminder flow for the runner: `createRunner({ ..., flows: { reminder: createReminderFlow(deps) } })`. */
export function createReminderFlow(extra: ReminderFlowDeps): FlowDefinition<ReminderInput> {
  return {
    name: 'reminder',
    version: REMINDER_VERSION,
    createMachine: (deps) => createReminderMachine(deps, extra),
    input: (start: ConversationStart) => ({
      driverNo: start.driverNo ?? null,
      caller: start.caller,
      ...(start.locale ? { locale: start.locale } : {}),
    }),
  };
}

