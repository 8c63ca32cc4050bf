/**
 * Session store port: keeps one conversation's persisted state between turns. Saves are
 * compare-and-set on a version, so two turns that arrive together cannot both win.
 */
export interface Stored<T> {
  /** A copy made through JSON: changing it changes nothing stored. */
  value: T;
  /** Increases by one on every successful save; the first save makes version 1. */
  version: number;
}

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  /** The entry under `key`, or null when it was never saved, was deleted or has expired. */
  load<T>(key: string): Promise<Stored<T> | null>;
  /**
   * Saves `value` if the stored version is still `expectedVersion` (0 when the key was absent
   * at load). Returns the new version, or null when someone else saved since (nothing written).
   * The entry expires `ttlSeconds` after this save.
   *
   * `value` is stored as JSON (a Date comes back as its ISO string, undefined fields vanish).
   * An expired or deleted entry counts as absent: only expectedVersion 0 saves over it.
   * Misuse throws: a value JSON cannot hold (TypeError), a TTL that is not positive or an
   * expectedVersion that is not a whole number >= 0 (RangeError).
   */
  save<T>(key: string, value: T, expectedVersion: number, ttlSeconds: number): Promise<number | null>;
  /** Removes the entry; removing an absent one is not an error. */
  delete(key: string): Promise<void>;
  /** Stops the store; a Redis store quits its client only if it created it (`ownsClient`). */
  close(): Promise<void>;
}
