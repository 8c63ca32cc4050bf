/**
 * A turn without an actor, for the turns that only move between states and change the context (a
 * menu choice, `*`, a miss, a number read back): most of a call. The runner acts as the actor
 * runtime for this one step, with the calls an Actor makes itself: the machine's `restoreSnapshot`
 * and `transition` (XState's ActorLogic interface) with an ActorScope. Building, starting and
 * stopping an Actor per turn was a third of a menu turn's flow time in the profile.
 *
 * The step is pure: the scope executes nothing. At the first sign of anything to execute (an
 * invocation to start, a delayed or sent event, a custom action, a child to spawn or stop), or a
 * throw, or a snapshot that does not wait for input, the step gives up and returns null: the runner
 * then drives the turn with a real actor from the same snapshot, exactly as before, and nothing of
 * the abandoned step is kept. test/flows/pure-step.test.ts runs random calls both ways and compares.
 */
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import type { UserEvent } from './reply.js';
import { WAITING } from './flow.js';

export interface PureStepper {
  /** A live snapshot from a persisted one, or null when it holds children (they need an actor). */
  restore(persisted: unknown): AnyMachineSnapshot | null;
  /** The settled snapshot after `event`, or null when the step needs an actor. */
  step(snapshot: AnyMachineSnapshot, event: UserEvent): AnyMachineSnapshot | null;
  /** A settled snapshot as the next turn starts from it (`say` emptied, a copy), or null when it cannot. */
  live(snapshot: AnyMachineSnapshot): AnyMachineSnapshot | null;
  /** The persisted form of a snapshot `step` returned: what XState's getPersistedSnapshot gives. */
  persist(snapshot: AnyMachineSnapshot): unknown;
}

const hasChildren = (s: { children?: Record<string, unknown> }) => {
  for (const _ in s.children ?? {}) return true;
  return false;
};

export function createPureStepper(machine: AnyStateMachine): PureStepper {
  let impure = false;
  const taint = () => {
    impure = true;
  };
  // `self` and `system` of the scope: an actor that is never started, made on first use from the
  // first snapshot seen (making one from the initial state would need a flow's input).
  let scope: AnyActorScope | null = null;
  const scopeFor = (persisted: unknown): AnyActorScope => {
    if (scope) return scope;
    const self = createActor(machine, { snapshot: persisted as never });
    scope = {
      self,
      id: '',
      sessionId: '',
      logger: () => {},
      defer: taint,
      emit: taint,
      stopChild: taint,
      actionExecutor: taint,
      system: self.system,
    };
    return scope;
  };

  return {
    restore(persisted) {
      if (!persisted || typeof persisted !== 'object' || hasChildren(persisted as { children?: Record<string, unknown> })) return null;
      try {
        const s = scopeFor(persisted);
        impure = false;
        const restored = machine.restoreSnapshot!(persisted as never, s) as AnyMachineSnapshot;
        return impure || restored.status !== 'active' ? null : restored;
      } catch {
        return null;
      }
    },
    step(snapshot, event) {
      if (snapshot.status !== 'active' || hasChildren(snapshot)) return null;
      try {
        const s = scope ?? scopeFor(machine.getPersistedSnapshot(snapshot));
        impure = false;
        const next = machine.transition(snapshot, event, s) as AnyMachineSnapshot;
        if (impure || hasChildren(next)) return null;
        if (next.status === 'done') return next;
        return next.status === 'active' && next.hasTag(WAITING) ? next : null;
      } catch {
        return null;
      }
    },
    persist(snapshot) {
      // getPersistedSnapshot copies the snapshot minus its methods and nodes with an object rest,
      // which was ~4% of a menu turn. A pure step's snapshot has no children (so no actor in its
      // context) and, when it has no history either, its persisted form is these fields, in
      // XState's order; the comparison test saves both ways and expects the same.
      for (const _ in snapshot.historyValue ?? {}) return machine.getPersistedSnapshot(snapshot);
      const { status, output, error, value, context } = snapshot;
      return { status, output, error, value, historyValue: {}, context, children: {} };
    },
    live(snapshot) {
      if (snapshot.status !== 'active' || hasChildren(snapshot)) return null;
      const context = snapshot.context as { say?: unknown[] } | undefined;
      if (!context || !Array.isArray(context.say)) return null;
      return context.say.length === 0 ? snapshot : ({ ...snapshot, context: { ...context, say: [] } } as AnyMachineSnapshot);
    },
  };
}
