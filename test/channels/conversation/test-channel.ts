/**
 * A conversation channel for tests only, to prove the port (src/channels/conversation.ts): JSON in
 * (`{ from, text }`, no text to start), JSON out (what the flow said as text, the options offered,
 * whether it ended). Its whole implementation is this file: a reader, a renderer, capabilities.
 */
import { Hono } from 'hono';
import { conversationRoute, type ConversationChannel } from '../../../src/channels/conversation.js';
import type { Runner } from '../../../src/flows/runner.js';
import type { Logger } from '../../../src/logger.js';
import { render } from '../../../src/i18n.js';

interface TestRequest {
  from: string;
  text: string | null;
}

export interface TestAnswer {
  said: string[];
  options: { key: string; label: string }[];
  ended: boolean;
}

export const testChannel: ConversationChannel<TestRequest> = {
  name: 'test',
  async read(c) {
    const body = (await c.req.json().catch(() => null)) as { from?: unknown; text?: unknown } | null;
    if (typeof body?.from !== 'string' || !body.from) return { ok: false, field: 'from' };
    if (body.text !== undefined && typeof body.text !== 'string') return { ok: false, field: 'text' };
    return { ok: true, request: { from: body.from, text: body.text ?? null } };
  },
  turn: ({ from, text }) => ({
    key: `test:${from}`,
    // Nothing known of the sender: a driver number and a code prove who it is.
    start: { flow: 'hotline', channel: 'web', entry: 'hotline', caller: null, capabilities: { sender: 'none', canSendSms: false } },
    events: [text === null ? { type: 'user.start' } : { type: 'user.text', text }],
  }),
  render(c, { reply }) {
    const text = (m: Parameters<typeof render>[0]) => render(m, m.locale ?? reply.locale, 'text');
    const options = reply.expect?.kind === 'menu' ? reply.expect.options.map((o) => ({ key: o.key, label: text({ key: o.label, ...(o.params ? { params: o.params } : {}), ...(o.locale ? { locale: o.locale } : {}) }) })) : [];
    return c.json({ said: reply.say.map(text), options, ended: reply.expect === null } satisfies TestAnswer);
  },
  apology: (c) => c.json({ said: ['Sorry, something went wrong.'], options: [], ended: true } satisfies TestAnswer),
  about: () => ({}),
};

/** The channel's route, as an app would mount it. */
export function testChannelApp(runner: Runner, logger: Logger): Hono {
  return new Hono().post('/test/conversation', conversationRoute(testChannel, { runner, logger, deadlineMs: 10_000 }));
}
