/**
 * The one turn runner every channel uses: load the conversation's snapshot, send one event, let
 * the machine settle (waiting for input, or done), save with a version check, build the Reply.
 *
 * - No session, an ended conversation, a `user.start`, or a snapshot of another flow: the flow
 *   starts afresh and the Reply is its opening; the event itself is not applied (it answered a
 *   question nobody asked). A snapshot of an older flow version (or one that no longer restores)
 *   starts afresh too, with 'flow:restarted' said first.
 * - `turn` (voice): the start is turn 1, and each action URL carries `result.turn + 1`. A request
 *   whose turn is not newer than the saved one gets the saved Reply again and changes nothing.
 *   Without `turn` (text channels) every message is a new turn.
 * - Saves are compare-and-set: on a conflict (another instance saved this conversation since we
 *   loaded it) the runner reloads and applies the event again, up to 3 times. Turns on one key
 *   are also queued in process, so one instance never races itself.
 * - A Reply ending `{ kind: 'agent' }` is recorded as a hand-off (services.handoffs) before the
 *   turn returns.
 * - A turn that starts and sends nothing (no invocation, no delayed event) is XState's pure
 *   transition, without an actor (src/flows/pure-step.ts); any other turn is driven by an actor.
 * - A flow may run a child machine (the hotline's `identify`): while it runs, the child asks (its
 *   prompt, its `say`, its state in `TurnResult.state`), its snapshot is saved inside the flow's,
 *   and its turns are driven by an actor (src/flows/flow.ts, `activeChild`).
 * - Errors: a flow handles its service failures itself (the hotline apologises and hands over to
 *   an agent). The runner throws for its own failures (session store down, a turn that does not
 *   settle within `settleMs`, repeated save conflicts); the channel then answers with its apology.
 *
 * Nothing persisted holds a token code: codes go from the event straight to the service, and the
 * persisted snapshot is taken only while the machine waits (no invocation holds its input).
 */
import { createActor, type AnyActorRef, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { Services } from '../core/services.js';
import type { Channel, Clock } from '../core/types.js';
import { maskPhone } from '../core/mask.js';
import type { Logger } from '../logger.js';
import type { SessionStore, Stored } from '../sessions/port.js';
import type { Msg, Reply, UserEvent } from './reply.js';
import { flowContext, replyOf, saidIn, settled, stateId, type ConversationStart, type FlowDefinition, type FlowDeps, type FlowName } from './flow.js';
import { hotlineFlow } from './hotline.js';
import { createPureStepper, type PureStepper } from './pure-step.js';

export type { ConversationStart, FlowDefinition, FlowName } from './flow.js';

export interface TurnRequest {
  /** Session key, e.g. 'voice:CA…' (the CallSid after the prefix is the hand-off's conversation id), 'sms:+852…'. */
  key: string;
  /** Used only when no (valid) session exists. */
  start: ConversationStart;
  /** 'user.start' opens a conversation. */
  event: UserEvent;
  /** Voice: the turn number from the action URL; a turn already answered gets the saved Reply again and changes nothing. */
  turn?: number;
}

export interface TurnResult {
  reply: Reply;
  /** The number of the turn just answered: put `turn + 1` in the next action URL. */
  turn: number;
  /** True when this was a turn already answered: nothing was done again. */
  repeated: boolean;
  /** Where the conversation now is ('main', 'bundling.ccrn', 'agent', ...). */
  state: string;
}

export interface Runner {
  turn(req: TurnRequest): Promise<TurnResult>;
  /** Forgets the conversation (call ended). */
  end(key: string): Promise<void>;
}

/** What the session store keeps per conversation. */
interface SessionValue {
  flow: FlowName;
  /** The flow version the snapshot was made with. */
  v: number;
  snapshot: unknown;
  turn: number;
  /**
   * What this turn said before its prompt (its Reply without the prompt and Expect, which the
   * snapshot gives again): a repeated turn rebuilds the Reply from these two. Keeping the whole
   * Reply made every session several times larger (menu words), and every turn parse and write it.
   */
  said: Msg[];
  /** Sessions saved before `said` existed (a deploy during a call) kept the whole Reply. */
  reply?: Reply;
  state: string;
  done: boolean;
}

export class FlowTimeoutError extends Error {
  constructor(readonly state: string, ms: number) {
    super(`flow did not settle within ${ms} ms (in ${state})`);
    this.name = 'FlowTimeoutError';
  }
}

export class SessionConflictError extends Error {
  constructor(attempts: number) {
    super(`session changed under us ${attempts} times in a row`);
    this.name = 'SessionConflictError';
  }
}

/** Voice (and reminder calls) 2 hours, text channels 30 minutes. */
export const defaultTtlSeconds = (channel: Channel): number => (channel === 'voice' || channel === 'reminder' ? 2 * 3600 : 30 * 60);

const CONFLICT_RETRIES = 3;
/** Voice sessions this instance saved last and may start the next turn from (about 2 KB each with their live snapshot: 40 MB at most). */
const RECENT_MAX = 20_000;

export interface RunnerDeps {
  sessions: SessionStore;
  services: Services;
  clock: Clock;
  logger?: Logger;
  /** A message as plain text (i18n's text renderer): flows send an SMS with it, never rendering themselves. */
  text: FlowDeps['text'];
  /** Flows besides the hotline (the reminder flow plugs in here), or replacements. */
  flows?: Partial<Record<FlowName, FlowDefinition>>;
  ttlSeconds?: (channel: Channel) => number;
  /** How long a turn may take to settle; well under Twilio's 15 s. */
  settleMs?: number;
  /**
   * Turns that start and send nothing run as XState's pure transition, without an actor
   * (src/flows/pure-step.ts). Default true; false drives every turn with an actor (tests compare).
   */
  pureSteps?: boolean;
}

export function createRunner(deps: RunnerDeps): Runner {
  const { sessions, services, clock, logger, text, ttlSeconds = defaultTtlSeconds, settleMs = 10_000 } = deps;
  const definitions: Partial<Record<FlowName, FlowDefinition>> = { hotline: hotlineFlow as FlowDefinition, ...deps.flows };
  // Machines are built once per runner, never per turn.
  const machines = new Map<FlowName, { machine: AnyStateMachine; pure: PureStepper | null }>();
  const pureSteps = deps.pureSteps ?? true;
  const flow = (name: FlowName): { def: FlowDefinition; machine: AnyStateMachine; pure: PureStepper | null } => {
    const def = definitions[name];
    if (!def) throw new Error(`no flow named ${name}`);
    let built = machines.get(name);
    if (!built) {
      const machine = def.createMachine({ services, clock, text, ...(logger ? { logger } : {}) });
      built = { machine, pure: pureSteps ? createPureStepper(machine) : null };
      machines.set(name, built);
    }
    return { def, ...built };
  };
  for (const name of Object.keys(definitions) as FlowName[]) flow(name);

  const queues = new Map<string, Promise<unknown>>();

  /** The Reply of a settled snapshot, saying `said` (this turn's messages) before the prompt. */
  function replyWith(def: FlowDefinition, machine: AnyStateMachine, snapshot: AnyMachineSnapshot, said: Msg[]): Reply {
    const ctx = flowContext(snapshot);
    // A copy, never a change in place: snapshots are kept for the next turn (see `recent`).
    const s = ctx.say === said ? snapshot : ({ ...snapshot, context: { ...ctx, say: said } } as AnyMachineSnapshot);
    return def.reply ? def.reply(s, machine) : replyOf(s);
  }

  /** A turn answered before: its Reply again, from the saved snapshot and what it said. */
  function savedReply(prev: SessionValue): Reply {
    if (prev.reply) return prev.reply;
    const def = definitions[prev.flow];
    const machine = machines.get(prev.flow)?.machine;
    const saved = prev.snapshot as { context?: Record<string, unknown> } | null;
    if (!def || !machine || !saved?.context) throw new Error(`saved turn of flow ${prev.flow} cannot be read`);
    // Restored, never started: nothing runs again.
    const snapshot = createActor(machine, { snapshot: { ...saved, context: { ...saved.context, say: [] } } as never }).getSnapshot() as AnyMachineSnapshot;
    if (snapshot.status === 'error') throw new Error(`saved turn of flow ${prev.flow} does not restore`);
    return replyWith(def, machine, snapshot, prev.said ?? []);
  }

  // Voice turns of one call come one after another, and the turn number says which saved state a
  // turn follows. When this instance saved turn n-1 itself, turn n starts from what it saved instead
  // of reading it back (one store round trip a turn instead of two). Nothing is given up: the save
  // is still compare-and-set on the version, so if anyone saved or deleted the session meanwhile it
  // fails, the entry is dropped and the turn is applied again from the store, as on any conflict.
  // Values are never changed in place (XState's assign makes new objects), so keeping them is safe.
  // With the saved value goes the live snapshot it was made from (its `say` emptied; none when it
  // holds children): the next pure step starts from it without restoring.
  interface Recent {
    stored: Stored<SessionValue>;
    live: AnyMachineSnapshot | null;
    expiresAt: number;
  }
  const recent = new Map<string, Recent>();
  const remember = (key: string, stored: Stored<SessionValue>, live: AnyMachineSnapshot | null, ttlSec: number) => {
    recent.delete(key);
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
    recent.set(key, { stored, live, expiresAt: clock.now().getTime() + ttlSec * 1000 });
  };
  const recalled = (req: TurnRequest): Recent | null => {
    const hit = recent.get(req.key);
    if (!hit || req.turn === undefined) return null;
    if (hit.stored.value.turn !== req.turn - 1 || hit.expiresAt <= clock.now().getTime()) return null;
    return hit;
  };

  async function attempt(req: TurnRequest, fresh: boolean): Promise<TurnResult | null> {
    const hit = fresh ? null : recalled(req);
    const stored = hit?.stored ?? (await sessions.load<SessionValue>(req.key));
    const prev = stored?.value ?? null;
    if (prev && req.turn !== undefined && req.turn <= prev.turn) {
      return { reply: savedReply(prev), turn: prev.turn, repeated: true, state: prev.state };
    }
    const { def, machine, pure } = flow(req.start.flow);
    const resumable = prev !== null && !prev.done && prev.flow === req.start.flow && req.event.type !== 'user.start';
    const stale = resumable && prev.v !== def.version;

    if (!resumable && req.event.type === 'user.hangup') {
      return { reply: { locale: req.start.locale ?? 'zh-HK', say: [], expect: null, end: { kind: 'hangup' } }, turn: prev?.turn ?? 0, repeated: false, state: 'ended' };
    }

    let restarted = stale;
    let how: 'pure' | 'actor' = 'pure';
    let snapshot: AnyMachineSnapshot | null = null;
    let persisted: unknown;
    if (resumable && !stale && pure) {
      // Without an actor when the turn starts and sends nothing (src/flows/pure-step.ts).
      const from = hit?.live ?? pure.restore(withoutSay(prev.snapshot));
      snapshot = from && pure.step(from, req.event);
      if (snapshot) persisted = pure.persist(snapshot);
    }
    if (!snapshot) {
      how = 'actor';
      let actor: AnyActorRef | null = null;
      if (resumable && !stale) {
        actor = createActor(machine, { snapshot: withoutSay(prev.snapshot) as never });
        if ((actor.getSnapshot() as AnyMachineSnapshot).status === 'error') {
          // A snapshot this machine can no longer read (a state renamed without a version bump).
          logger?.warn({ key: maskKey(req.key) }, 'snapshot did not restore; starting afresh');
          actor = null;
          restarted = true;
        }
      }
      snapshot = actor
        ? await drive(actor, req.event, settleMs)
        : await drive((actor = createActor(machine, { input: def.input(req.start) })), null, settleMs);
      persisted = actor.getPersistedSnapshot();
      actor.stop();
    }

    const said: Msg[] = restarted ? [{ key: 'flow:restarted' }, ...saidIn(snapshot)] : saidIn(snapshot);
    const reply = replyWith(def, machine, snapshot, said);
    const state = stateId(snapshot);
    const turn = req.turn ?? (prev ? prev.turn + 1 : 1);
    const value: SessionValue = {
      flow: def.name,
      v: def.version,
      snapshot: withoutSay(persisted),
      turn,
      said,
      state,
      done: snapshot.status === 'done',
    };
    const ttl = ttlSeconds(req.start.channel);
    const saved = await sessions.save(req.key, value, stored?.version ?? 0, ttl);
    if (saved === null) {
      recent.delete(req.key);
      return null;
    }
    if (req.turn !== undefined && !value.done) remember(req.key, { value, version: saved }, pure ? pure.live(snapshot) : null, ttl);
    else recent.delete(req.key);

    if (reply.end?.kind === 'agent') {
      const ctx = flowContext(snapshot);
      try {
        await services.handoffs.record({
          conversationId: conversationId(req.key),
          channel: req.start.channel,
          caller: req.start.caller,
          driverNo: ctx.driverNo ?? null,
          locale: reply.locale,
          where: reply.end.where,
          reason: reply.end.reason,
        });
      } catch (err) {
        // The caller still goes to an agent; the record is what is lost.
        logger?.error({ err, key: maskKey(req.key) }, 'hand-off record failed');
      }
    }
    // Checked first: building the line (a regex over the key) each turn costs even when nothing is logged.
    if (logger?.isLevelEnabled('debug')) logger.debug({ key: maskKey(req.key), flow: def.name, state, turn, how }, 'turn');
    return { reply, turn, repeated: false, state };
  }

  async function run(req: TurnRequest): Promise<TurnResult> {
    for (let i = 0; i <= CONFLICT_RETRIES; i++) {
      const result = await attempt(req, i > 0);
      if (result) return result;
      logger?.info({ key: maskKey(req.key), attempt: i + 1 }, 'session save conflict; applying the turn again');
    }
    throw new SessionConflictError(CONFLICT_RETRIES + 1);
  }

  return {
    turn(req) {
      const before = queues.get(req.key);
      const result = before
        ? before.then(
            () => run(req),
            () => run(req),
          )
        : run(req);
      // Settles when this turn has, whatever its outcome; the next turn on the key waits for it.
      const settled = () => {
        if (queues.get(req.key) === tail) queues.delete(req.key);
      };
      const tail: Promise<void> = result.then(settled, settled);
      queues.set(req.key, tail);
      return result;
    },
    async end(key) {
      recent.delete(key);
      await sessions.delete(key);
    },
  };
}

/**
 * Starts the actor, sends the event (none for a new conversation) and resolves once the machine
 * waits for input or is done; rejects on an error or after `ms`. The observer is in place before
 * the actor starts, so no error goes unobserved.
 */
function drive(actor: AnyActorRef, event: UserEvent | null, ms: number): Promise<AnyMachineSnapshot> {
  const ready = settled;
  return new Promise((resolve, reject) => {
    let armed = false;
    let finished = false;
    // Most turns settle synchronously (no invocation): the timer is set only for those that do not.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (s: AnyMachineSnapshot | null, err?: unknown) => {
      if (finished) return;
      finished = true;
      if (timer !== undefined) clearTimeout(timer);
      sub.unsubscribe();
      children?.unsubscribe();
      if (err !== undefined) reject(err);
      else if (s!.status === 'error') reject(s!.error instanceof Error ? s!.error : new Error(String(s!.error)));
      else resolve(s!);
    };
    const sub = actor.subscribe({
      next: (s: AnyMachineSnapshot) => {
        if (armed && ready(s)) finish(s);
      },
      error: (err: unknown) => finish(null, err),
    });
    // A child machine the flow runs (the hotline's identify) settles without the flow moving:
    // its snapshots are seen through the system's inspection.
    let children: { unsubscribe(): void } | undefined = actor.system.inspect((e: { type: string; actorRef: unknown }) => {
      if (!armed || finished || e.type !== '@xstate.snapshot' || e.actorRef === actor) return;
      const s = actor.getSnapshot() as AnyMachineSnapshot;
      if (ready(s)) finish(s);
    });
    try {
      if (!event) armed = true;
      actor.start();
      if (event) {
        armed = true;
        actor.send(event);
      }
    } catch (err) {
      finish(null, err);
      return;
    }
    const now = actor.getSnapshot() as AnyMachineSnapshot;
    if (ready(now)) finish(now);
    else if (!finished) {
      timer = setTimeout(() => finish(null, new FlowTimeoutError(stateId(actor.getSnapshot() as AnyMachineSnapshot), ms)), ms);
    }
  });
}

/** `say` belongs to one turn: never persisted (nor in a child machine's persisted snapshot). */
function withoutSay(snapshot: unknown): unknown {
  const s = snapshot as { context?: Record<string, unknown>; children?: Record<string, { snapshot?: unknown } | undefined> };
  if (!s || !s.context) return snapshot;
  let children = s.children;
  for (const id in s.children ?? {}) {
    const child = s.children![id];
    const inner = child?.snapshot;
    const cleared = inner ? withoutSay(inner) : inner;
    if (cleared !== inner) children = { ...children, [id]: { ...child, snapshot: cleared } };
  }
  const say = s.context.say;
  // Saved snapshots already have an empty `say`: no copy needed to restore one.
  if (Array.isArray(say) && say.length === 0 && children === s.children) return snapshot;
  return { ...s, ...(children !== s.children ? { children } : {}), context: { ...s.context, say: [] } };
}

/** 'voice:CA123' -> 'CA123': the CallSid agents look up; other keys stay whole. */
const conversationId = (key: string): string => (key.startsWith('voice:') ? key.slice('voice:'.length) : key);

/** Keys may hold a phone number: logs get it masked. */
const maskKey = (key: string): string => key.replace(/\+?\d{7,}/g, (n) => maskPhone(n) ?? '****');
