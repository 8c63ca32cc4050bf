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
}

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
}

/**
 * A flow, as the runner plugs it in. To write one (e.g. src/flows/reminder.ts):
 * 1. a machine whose context extends FlowContext and whose events are UserEvent;
 * 2. every state that waits for input has tag `waiting` and `meta: WaitingMeta`;
 * 3. final states are reached after setting `context.end` (`{ kind: 'agent', reason, where }`
 *    makes the runner record a hand-off; `{ kind: 'hangup' }` otherwise);
 * 4. domain work in `fromPromise` actors with an `onError` (a thrown service error must not
 *    leave the machine in limbo: the hotline says 'flow:error.apology' and ends to an agent);
 * 5. bump `version` whenever a change makes old persisted snapshots unreadable or misleading:
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

/** The meta of the state the snapshot waits in, or null when it is not waiting. */
export function waitingMeta(snapshot: AnyMachineSnapshot): WaitingMeta | null {
  if (!snapshot.hasTag(WAITING)) return null;
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
  return { locale: ctx.locale, say: [...ctx.say, ...meta.prompt(ctx)], expect: meta.expect(ctx) };
}

/** 'bundling.ccrn' for `{ bundling: 'ccrn' }`: the state's path, for logs and hand-offs. */
export function stateId(snapshot: AnyMachineSnapshot): string {
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

/** The runner gives a machine exactly the user's events. */
export type FlowEvent = UserEvent;
