/**
 * Deadlines (README, "Deadlines"): every route answers in time, whatever the database or the
 * session store are doing. Twilio gives up on a webhook after 15 s; routes answer within
 * ROUTE_DEADLINE_MS (10 s), and Postgres gives up on a statement first (lock_timeout 2 s,
 * statement_timeout 5 s, src/db/connect.ts). One timer and one promise a deadline.
 */
import type { Context } from 'hono';

/** A piece of work (a voice turn, a route) took longer than its deadline. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`took longer than ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/** `p`, or a DeadlineExceeded after `ms`. One promise and one timer (Promise.race and finally made four). */
export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * True for Postgres giving up on a statement: statement_timeout (57014, query_canceled) or
 * lock_timeout (55P03, lock_not_available). postgres.js puts the SQLSTATE in `code`.
 */
export function isDatabaseTimeout(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '57014' || code === '55P03';
}

/** Our deadline or the database's: the service is slow now, not broken; try again shortly. */
export const isTimeout = (err: unknown): boolean => err instanceof DeadlineExceeded || isDatabaseTimeout(err);

/** Seconds a browser or API client is asked to wait before trying again (Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Middleware-shaped: runs `next` (the rest of the route) under a deadline of `ms`. Past it,
 * `answer(c)` is the route's answer; it is also set as `c.res`, so that middleware around this one
 * (which may ignore return values) sends it, and the route's late answer, if it ever comes, is
 * dropped (Hono keeps a finalised response). The route's work itself goes on until the
 * database's own timeouts end it: nothing can cancel a promise.
 */
export async function underDeadline(
  c: Context,
  next: () => Promise<Response | void>,
  ms: number,
  answer: (c: Context) => Response | Promise<Response>,
): Promise<Response | void> {
  try {
    return await withTimeout(next(), ms);
  } catch (err) {
    if (!(err instanceof DeadlineExceeded)) throw err;
    c.res = await answer(c);
    return c.res;
  }
}
