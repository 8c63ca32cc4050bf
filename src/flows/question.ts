/**
 * The one reusable piece every question of every flow is made of: `0` reaches an agent, `*`
 * repeats, and no input or invalid input is counted per question: the first two misses say what
 * was wrong and ask again, the third says so and ends to an agent (DESIGN.md, "Hotline menu").
 * Refusals by the core are not misses: a flow answers them in its own transitions.
 *
 * `ask()` builds the state config; its guards and actions are implemented here too
 * (`questionGuards`, `questionActions`) and registered by name in the flow's `setup()`.
 */
import { assign } from 'xstate';
import { checkBundleRef, checkCcrn, checkDriverNo, checkRegRef } from '../core/identifiers.js';
import type { End, Expect, MenuOption, Msg, UserEvent } from './reply.js';
import type { FlowContext, WaitingMeta } from './flow.js';
import { WAITING } from './flow.js';
import { chooseOption, digitsAnswer, readAnswer, type Choosable } from './interpret.js';
import { f } from './messages.js';

/** Misses allowed per question; the next one ends to an agent. */
export const MISSES_BEFORE_AGENT = 2;

/** The context a question needs, besides FlowContext. */
export interface QuestionContext extends FlowContext {
  misses: number;
}

/** Numbers keyed by callers, each with its length and check. */
export type NumberKind = 'ccrn' | 'driverNo' | 'regRef' | 'bundleRef' | 'tokenCode';

const CHECKS: Record<NumberKind, (v: string) => { ok: true; value: string } | { ok: false; reason: 'format' | 'check_digit' }> = {
  ccrn: checkCcrn,
  driverNo: checkDriverNo,
  regRef: checkRegRef,
  bundleRef: checkBundleRef,
  tokenCode: (v) => (/^\d{6}$/.test(v) ? { ok: true, value: v } : { ok: false, reason: 'format' }),
};

export const NUMBER_LENGTH: Record<NumberKind, number> = { ccrn: 12, driverNo: 8, regRef: 10, bundleRef: 9, tokenCode: 6 };

/** The checked number an event gives for a question of this kind, or null. */
export function numberFrom(event: UserEvent, kind: NumberKind): string | null {
  const d = digitsAnswer(readAnswer(event));
  if (d === null) return null;
  const r = CHECKS[kind](d);
  return r.ok ? r.value : null;
}

/** What was wrong, said before asking again. */
export type MissWhy = 'no_input' | 'option' | NumberKind | 'ccrn_none';

export function missMessage(why: MissWhy, event: UserEvent): Msg {
  if (why === 'no_input' || event.type === 'user.silence') return f('miss.no_input');
  if (why === 'option' || why === 'ccrn_none') return f(`miss.${why}`);
  const d = digitsAnswer(readAnswer(event));
  const checked = d === null ? null : CHECKS[why](d);
  // A number of the right length failing its check digit, or the wrong length / not a number.
  return f(checked && !checked.ok && checked.reason === 'check_digit' ? `miss.${why}_check_digit` : `miss.${why}_format`);
}

/** Guards of questions, by name: register them in the flow's setup(). */
export const questionGuards = {
  wantsAgent: ({ event }: { event: UserEvent }) => readAnswer(event).kind === 'agent',
  wantsRepeat: ({ event }: { event: UserEvent }) => readAnswer(event).kind === 'repeat',
  isDone: ({ event }: { event: UserEvent }) => readAnswer(event).kind === 'done',
  mayMissAgain: ({ context }: { context: QuestionContext }) => context.misses < MISSES_BEFORE_AGENT,
  /** The answer chooses option `key` of `options`. */
  chose: ({ event }: { event: UserEvent }, p: { key: string; options: readonly Choosable[] }) =>
    chooseOption(readAnswer(event), p.options) === p.key,
  /** The answer chooses any of `options`. */
  choseAny: ({ event }: { event: UserEvent }, p: { options: readonly Choosable[] }) => chooseOption(readAnswer(event), p.options) !== null,
  /** The answer is a number of this kind that passes its check. */
  validNumber: ({ event }: { event: UserEvent }, p: { kind: NumberKind }) => numberFrom(event, p.kind) !== null,
};

/** The context updates of question actions, by name: the flow registers them with `assign`. */
export const questionUpdates = {
  resetMisses: () => ({ misses: 0 }),
  miss: ({ context, event }: { context: QuestionContext; event: UserEvent }, p: { why: MissWhy }) => ({
    misses: context.misses + 1,
    say: [...context.say, missMessage(p.why, event)],
  }),
  giveUp: ({ context }: { context: QuestionContext }, p: { where: string; reason: 'no_input' | 'invalid_input' }) => ({
    say: [...context.say, f(p.reason === 'no_input' ? 'miss.giveUp_no_input' : 'miss.giveUp_invalid')],
    end: { kind: 'agent', reason: p.reason, where: p.where } as End,
  }),
  toAgent: (_: unknown, p: { where: string }) => ({ end: { kind: 'agent', reason: 'requested', where: p.where } as End }),
};

/**
 * The question wiring, registered once for every flow: spread `questionActions<Context>()` into a
 * flow's `setup({ actions })` and `questionGuards` into its guards. `say` and `end` are the
 * FlowContext conventions every flow needs too.
 */
export function questionActions<C extends QuestionContext>() {
  return {
    resetMisses: assign<C, UserEvent, undefined, UserEvent, never>(() => ({ misses: 0 }) as Partial<C>),
    miss: assign<C, UserEvent, { why: MissWhy }, UserEvent, never>(({ context, event }, p) => questionUpdates.miss({ context, event }, p) as Partial<C>),
    giveUp: assign<C, UserEvent, { where: string; reason: 'no_input' | 'invalid_input' }, UserEvent, never>(
      ({ context }, p) => questionUpdates.giveUp({ context }, p) as Partial<C>,
    ),
    toAgent: assign<C, UserEvent, { where: string }, UserEvent, never>((_, p) => questionUpdates.toAgent(_, p) as Partial<C>),
    say: assign<C, UserEvent, { msgs: Msg[] }, UserEvent, never>(({ context }, p) => ({ say: [...context.say, ...p.msgs] }) as Partial<C>),
    end: assign<C, UserEvent, { end: End }, UserEvent, never>((_, p) => ({ end: p.end }) as Partial<C>),
  };
}

/** A menu option with what it does: the Expect shows the first four fields. */
export interface Option extends MenuOption {
  words?: string[];
}

/** Freezes a plain value and everything in it: a shared Expect that nothing may change. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export const menuExpect = (options: readonly MenuOption[]): Expect => ({
  kind: 'menu',
  options: options.map((o) => ({ ...o, ...(o.words ? { words: [...o.words] } : {}) })),
});

/**
 * A state that asks and waits: tag `waiting`, its prompt and Expect in `meta`, misses reset on
 * entry. `answers` are the question's own transitions for `user.digits` / `user.text`, tried
 * after `0` (agent) and `*` (repeat) and before the miss: anything they do not take is a miss.
 * `why` names what a miss says ("that is no option", "a CCRN has 12 digits", ...).
 */
export function ask<C extends QuestionContext, const A extends readonly unknown[]>(spec: {
  where: string;
  agent: string;
  prompt: WaitingMeta<C>['prompt'];
  expect: WaitingMeta<C>['expect'];
  why: MissWhy;
  answers: A;
}) {
  const { where, agent, why } = spec;
  const input = [
    { guard: 'wantsAgent', target: agent, actions: { type: 'toAgent', params: { where } } },
    { guard: 'wantsRepeat' },
    ...spec.answers,
    { guard: 'mayMissAgain', actions: { type: 'miss', params: { why } } },
    { target: agent, actions: { type: 'giveUp', params: { where, reason: 'invalid_input' } } },
  ] as const;
  return {
    tags: [WAITING],
    meta: { prompt: spec.prompt, expect: spec.expect },
    entry: 'resetMisses',
    on: {
      'user.digits': input,
      'user.text': input,
      'user.silence': [
        { guard: 'mayMissAgain', actions: { type: 'miss', params: { why: 'no_input' } } },
        { target: agent, actions: { type: 'giveUp', params: { where, reason: 'no_input' } } },
      ],
    },
  } as const;
}
