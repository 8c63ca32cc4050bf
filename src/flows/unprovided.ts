/**
 * Placeholders for a machine's services: machines are defined without them and given the real
 * ones through XState's `provide()` (createHotlineMachine does; a test may give others). A machine
 * run without them fails loudly, naming the service.
 */
import { fromPromise, type AnyActorLogic } from 'xstate';

export function unprovided<T extends Record<string, AnyActorLogic>>(machine: string, names: readonly (keyof T & string)[]): T {
  const out: Record<string, AnyActorLogic> = {};
  for (const name of names) {
    out[name] = fromPromise(async () => {
      throw new Error(`${machine}: service '${name}' not provided`);
    });
  }
  return out as T;
}
