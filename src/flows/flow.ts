/**
 * What a flow must be for the runner (src/flows/runner.ts) to drive it. A flow is one XState v5
 * machine; the runner knows nothing else about it than this file says.
 */
import type { AnyStateMachine, AnyMachineSnapshot } from 'xstate';
import type { Services } from '../core/services.js';
import type { Channel, Clock, Locale } from '../core/types.js';
import type { Logger } from '../logger.js';
import type { End, Expect, Msg, Reply, UserEvent } from './reply.js';

export type FlowName = 'hotline' | 'reminder';

/** How a conversation begins: what the channel knows before the first word. */
export interface ConversationStart {
  flow: FlowName;
  /** 'voice' | 'sms' | 'web' ... */
  channel: Channel;
  /** E.164 of the caller when known. */
  caller: string | null;
  entry: 'hotline' | 'bundling' | 'reminder';
  /** Known language (web cookie, SMS LANG): skips the language menu. */
  locale?: Locale;
  /** Reminder calls: the driver being reminded. */
  driverNo?: string;
  /** What the channel can do and how it knows the sender: flows read these, never the channel's name. */
  capabilities?: Capabilities;
}

/**
 * What a channel tells a flow about itself when a conversation starts (derived by the channel:
 * src/channels/capabilities.ts). Flows decide on these, never on `channel === '…'`.
 */
export interface Capabilities {
  /**
   * How the sender is known: `callerId` (voice: a number the caller may spoof, so it is confirmed
   * and proves nothing before a code), `verifiedNumber` (SMS: every answer goes to that number, so
   * driver-specific things are only for the driver's own number), `none`.
   */
  sender: 'callerId' | 'verifiedNumber' | 'none';
  /** A confirmation SMS can follow the conversation to the sender's number (voice); not where the answer is an SMS already. */
  canSendSms: boolean;
}

/** A channel that says nothing of itself: nobody known, no SMS afterwards. */
export const NO_CAPABILITIES: Capabilities = Object.freeze({ sender: 'none', canSendSms: false });

/**
 * The context every flow's machine keeps, besides its own fields. The runner reads these:
 * - `locale`: the language of the Reply;
 * - `say`: messages said on the way during this turn, in order (the runner empties it before
 *   each turn, so actions only ever append);
 * - `end`: how the conversation ends, set before the machine reaches a final state;
 * - `driverNo`: the identified driver, for the hand-off record (null until identified).
 */
export interface FlowContext {
  locale: Locale;
  say: Msg[];
  end: End | null;
  driverNo: string | null;
}

/**
 * `meta` of a state that waits for the user. Such a state carries the tag `waiting`; its prompt
 * (what to ask, said after `context.say`) and its Expect are computed from the context when the
 * Reply is built, so `*` (repeat) says exactly the same again.
 */
export interface WaitingMeta<C extends FlowContext = FlowContext> {
  prompt: (context: C) => Msg[];
  expect: (context: C) => Expect;
}

export const WAITING = 'waiting';

/** What a flow's machine factory gets: built once per runner, never per turn. */
export interface FlowDeps {
  services: Services;
  clock: Clock;
  logger?: Logger;
  /**
   * A message as plain text in a language (an SMS that a flow sends on its way, e.g. the bundle
   * confirmation). Rendering belongs to channels: flows never call i18n; the runtime passes it.
   */
  text: (msg: Msg, locale: Locale) => string;
}

/**
 * A flow, as the runner plugs it in. To write one (e.g. src/flows/reminder.ts):
 * 1. a machine whose context extends FlowContext and whose events are UserEvent;
 * 2. every state that waits for input has tag `waiting` and `meta: WaitingMeta`;
 * 3. final states are reached after setting `context.end` (`{ kind: 'agent', reason, where }`
 *    makes the runner record a hand-off; `{ kind: 'hangup' }` otherwise);
 * 4. domain work in `fromPromise` actors with an `onError` (a thrown service error must not
 *    leave the machine in limbo: the hotline says 'flow:error.apology' and ends to an agent);
 * 5. services (actors) are given through XState's `provide()` (the machine is defined with
 *    placeholders, src/flows/unprovided.ts), so a test can swap one; a part of the dialog that
 *    returns a result (identify) is a child machine the flow invokes, whose output it reads;
 * 6. bump `version` whenever a change makes old persisted snapshots unreadable or misleading:
 *    a session saved with another version is started afresh, politely.
 */
export interface FlowDefinition<TInput = unknown> {
  name: FlowName;
  version: number;
  /** Creates the machine: called once per runner with the services the actors call. */
  createMachine(deps: FlowDeps): AnyStateMachine;
  /** The machine's input for a new conversation. */
  input(start: ConversationStart): TInput;
  /**
   * Optional: the Reply of a settled snapshot. The default (`replyOf`) is what the conventions
   * above describe; override only for something they cannot say.
   */
  reply?(snapshot: AnyMachineSnapshot, machine: AnyStateMachine): Reply;
}

/** The context of a snapshot, as the conventions above promise it. */
export const flowContext = (snapshot: AnyMachineSnapshot): FlowContext => snapshot.context as FlowContext;

/**
 * A flow may hand part of a conversation to a child machine it invokes (the hotline's `identify`):
 * while that child runs, the child is the one waiting, and the conversation's Reply, `say` and
 * state are the child's (its context follows the FlowContext conventions too).
 */
export function activeChild(snapshot: AnyMachineSnapshot): AnyMachineSnapshot | null {
  for (const id in snapshot.children ?? {}) {
    const s = (snapshot.children as Record<string, { getSnapshot?: () => unknown } | undefined>)[id]?.getSnapshot?.() as AnyMachineSnapshot | undefined;
    // 'stopped' too: the runner stops the actor of a turn before it builds the Reply.
    if (s && (s.status === 'active' || s.status === 'stopped') && typeof s.hasTag === 'function' && s.machine) return s;
  }
  return null;
}

/** The snapshot that asks: the deepest active child machine, or the flow itself. */
export function asking(snapshot: AnyMachineSnapshot): AnyMachineSnapshot {
  let s = snapshot;
  for (let c = activeChild(s); c; c = activeChild(s)) s = c;
  return s;
}

/** Everything said this turn: the flow's `say`, then its active child's. */
export function saidIn(snapshot: AnyMachineSnapshot): Msg[] {
  const own = flowContext(snapshot).say;
  const child = activeChild(snapshot);
  return child ? [...own, ...saidIn(child)] : own;
}

/** Done, failed, or waiting for the user (itself or in the child machine it runs). */
export function settled(snapshot: AnyMachineSnapshot): boolean {
  if (snapshot.status !== 'active') return true;
  return snapshot.hasTag(WAITING) || asking(snapshot).hasTag(WAITING);
}

/** The meta of the state the snapshot waits in, or null when it is not waiting. */
export function waitingMeta(snapshot: AnyMachineSnapshot): WaitingMeta | null {
  if (!snapshot.hasTag(WAITING)) {
    const child = activeChild(snapshot);
    return child ? waitingMeta(child) : null;
  }
  const metas = snapshot.getMeta() as Record<string, Partial<WaitingMeta> | undefined>;
  // The deepest state that names a prompt is the one asking (ids sort parents first).
  const ids = Object.keys(metas).sort((a, b) => b.length - a.length);
  for (const id of ids) {
    const m = metas[id];
    if (m && typeof m.prompt === 'function' && typeof m.expect === 'function') return m as WaitingMeta;
  }
  return null;
}

/** The default Reply: what was said on the way, then the waiting state's prompt and Expect. */
export function replyOf(snapshot: AnyMachineSnapshot): Reply {
  const ctx = flowContext(snapshot);
  if (snapshot.status === 'done') {
    return { locale: ctx.locale, say: [...ctx.say], expect: null, end: ctx.end ?? { kind: 'hangup' } };
  }
  const meta = waitingMeta(snapshot);
  if (!meta) throw new Error(`flow is neither waiting nor done in ${stateId(snapshot)}`);
  // The prompt reads the context of the machine that asks (a child's, while one runs).
  const at = snapshot.hasTag(WAITING) ? ctx : flowContext(asking(snapshot));
  return { locale: ctx.locale, say: [...ctx.say, ...meta.prompt(at)], expect: meta.expect(at) };
}

/**
 * 'bundling.ccrn' for `{ bundling: 'ccrn' }`: the state's path, for logs and hand-offs. While a
 * child machine runs, the child's id and path ('identify.code').
 */
export function stateId(snapshot: AnyMachineSnapshot): string {
  const child = snapshot.status === 'active' ? activeChild(snapshot) : null;
  if (child) return `${child.machine.id}.${stateId(child)}`;
  const path: string[] = [];
  let value: unknown = snapshot.value;
  while (value && typeof value === 'object') {
    const [key, child] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (key === undefined) break;
    path.push(key);
    value = child;
  }
  if (typeof value === 'string') path.push(value);
  return path.join('.') || 'unknown';
}

/** An inline guard with a name the state diagrams show (docs/diagrams, scripts/diagram.ts). */
export const labelled = <F extends (...args: never[]) => unknown>(label: string, fn: F): F => Object.assign(fn, { label });

/** A service's outcome was a success (`{ ok: true, … }`). */
export const succeeded = labelled('ok', ({ event }: { event: { output: { ok: boolean } } }) => event.output.ok);

/** The runner gives a machine exactly the user's events. */
export type FlowEvent = UserEvent;
