/**
 * Bearer-token guard of the agent and admin APIs: the token compared in constant time (hashed
 * first, so its length leaks nothing either), 401 with a `WWW-Authenticate` naming the realm, and
 * answers that are never cached.
 */
import type { MiddlewareHandler } from 'hono';
import { timingSafeEqual } from 'hono/utils/buffer';

export function bearer(token: string, realm: string): MiddlewareHandler {
  return async (c, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    if (!m || !(await timingSafeEqual(token, m[1]!))) {
      return c.json({ error: 'unauthorized' }, 401, { 'WWW-Authenticate': `Bearer realm="${realm}"` });
    }
    await next();
    c.header('Cache-Control', 'no-store');
  };
}
