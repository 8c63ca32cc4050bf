/** A clock tests move by hand. */
import type { Clock } from '../../src/core/types.js';

export interface FakeClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

export function fakeClock(start: Date | string = new Date()): FakeClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set: (at) => {
      t = new Date(at).getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
