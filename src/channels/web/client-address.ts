/**
 * The client's address, for rate limits. With `trustedProxies` = 0 (TRUST_PROXY's default) it is
 * the socket's peer and X-Forwarded-For is ignored: anyone can write that header. With N trusted
 * proxies in front of us, each appending the address it received the request from, the client is
 * the Nth address from the right of X-Forwarded-For followed by the socket's peer (the last hop):
 * entries further left were written by the client itself and are never used. Fewer hops than N
 * (a request that bypassed the proxies) gives the left-most one there is.
 */
import type { Context } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';

/** The key of requests whose socket address is not known (app.request() in tests, a runtime without one). */
export const UNKNOWN_CLIENT = 'unknown';
const MAX_LENGTH = 64;

/** The socket's peer address under @hono/node-server; null when the environment has no socket. */
function socketAddress(c: Context): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function clientAddress(c: Context, trustedProxies: number): string {
  const hops: string[] = [];
  if (trustedProxies > 0) {
    for (const part of (c.req.header('x-forwarded-for') ?? '').split(',')) {
      const hop = part.trim();
      if (hop) hops.push(hop);
    }
  }
  hops.push(socketAddress(c) ?? UNKNOWN_CLIENT);
  const address = hops[Math.max(0, hops.length - 1 - trustedProxies)]!;
  return address.slice(0, MAX_LENGTH);
}
