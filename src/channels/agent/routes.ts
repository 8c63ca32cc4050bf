/**
 * Agent API, mounted at /agent: hand-off records for the agent who answers a transferred call, and
 * unlocking a token after the agent checked the caller's identity. Bearer AGENT_API_TOKEN; without
 * the variable every route answers 404.
 */
import { Hono } from 'hono';
import { bearer } from '../bearer.js';
import type { Runtime } from '../../runtime.js';
import type { Handoff } from '../../core/ports.js';
import { checkDriverNo, normalisePhone } from '../../core/identifiers.js';

const CONVERSATION_ID = /^[A-Za-z0-9:_-]{1,64}$/;
const AGENT_ID = /^[\p{L}\p{N} ._@-]{1,64}$/u;

const view = (h: Handoff) => ({
  id: h.id,
  conversationId: h.conversationId,
  channel: h.channel,
  caller: h.caller,
  driverNo: h.driverNo,
  locale: h.locale,
  where: h.where,
  reason: h.reason,
  createdAt: h.createdAt.toISOString(),
});

/**
 * A caller number from a query string: E.164, or a Hong Kong number as an agent types it. An
 * unencoded `+` arrives as a space, so a leading space before digits is read as `+`.
 */
export function callerFromQuery(raw: string | undefined): string | null {
  if (!raw || !raw.trim()) return null;
  const restored = raw.replace(/^\s+(?=\d)/, '+');
  return normalisePhone(restored) ?? normalisePhone(raw.trim());
}

export function agentRoutes(rt: Runtime): Hono {
  const app = new Hono();
  const token = rt.config.AGENT_API_TOKEN;
  if (!token) return app;

  app.use('*', bearer(token, 'agent'));

  app.get('/handoffs/:callSid', async (c) => {
    const id = c.req.param('callSid');
    if (!CONVERSATION_ID.test(id)) return c.json({ error: 'invalid', field: 'callSid' }, 400);
    const found = await rt.services.handoffs.byConversation(id);
    if (found.length === 0) return c.json({ error: 'handoff_unknown', field: 'callSid' }, 404);
    return c.json({ handoffs: found.map(view) });
  });

  app.get('/handoffs', async (c) => {
    const caller = callerFromQuery(c.req.query('caller'));
    if (!caller) return c.json({ error: 'invalid', field: 'caller', expected: 'a phone number in E.164, e.g. +85291234567' }, 400);
    const found = await rt.services.handoffs.byCaller(caller);
    return c.json({ caller, handoffs: found.map(view) });
  });

  app.post('/tokens/:driverNo/unlock', async (c) => {
    const driver = checkDriverNo(c.req.param('driverNo'));
    if (!driver.ok) return c.json({ error: `driver_no_${driver.reason}`, field: 'driverNo' }, 400);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json({ error: 'invalid', field: 'body', expected: 'JSON { "agentId": "…" }' }, 400);
    }
    const agentId = typeof body === 'object' && body !== null ? (body as { agentId?: unknown }).agentId : undefined;
    if (typeof agentId !== 'string' || !AGENT_ID.test(agentId.trim())) {
      return c.json({ error: 'invalid', field: 'agentId' }, 400);
    }
    const r = await rt.services.tokens.unlock({ driverNo: driver.value }, { agentId: agentId.trim() });
    if (r.ok) return c.json({ serial: r.serial });
    if (r.reason === 'token_not_locked') return c.json({ error: r.reason }, 409);
    return c.json({ error: r.reason }, 404);
  });

  return app;
}
