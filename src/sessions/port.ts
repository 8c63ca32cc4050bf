/**
 * Session store port: keeps one conversation's persisted state between turns. Saves are
 * compare-and-set on a version, so two turns that arrive together cannot both win.
 */
export interface Stored<T> {
  value: T;
  /** Increases by one on every successful save; the first save makes version 1. */
  version: number;
}

export interface SessionStore {
  readonly kind: 'memory' | 'redis';
  load<T>(key: string): Promise<Stored<T> | null>;
  /**
   * Saves `value` if the stored version is still `expectedVersion` (0 when the key was absent
   * at load). Returns the new version, or null when someone else saved since (nothing written).
   * The entry expires `ttlSeconds` after this save.
   */
  save<T>(key: string, value: T, expectedVersion: number, ttlSeconds: number): Promise<number | null>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
