/** Hand-offs to an agent: where the caller was and why, so the agent picks up from there. */
import { z } from 'zod';
import type { HandoffRepository } from './ports.js';
import type { HandoffService } from './services.js';
import { LOCALES, type Channel, type Clock } from './types.js';

const CHANNELS = ['voice', 'sms', 'web', 'line', 'agent', 'admin', 'reminder', 'system'] as const satisfies readonly Channel[];

const handoffInput = z.object({
  conversationId: z.string().min(1).max(200),
  channel: z.enum(CHANNELS),
  caller: z.string().max(32).nullable(),
  driverNo: z.string().max(16).nullable(),
  locale: z.enum(LOCALES),
  where: z.string().min(1).max(200),
  reason: z.string().min(1).max(200),
});

export function createHandoffs({ handoffs, clock }: { handoffs: HandoffRepository; clock: Clock }): HandoffService {
  return {
    /** Throws on a malformed record: that is a bug in the caller, not a user's mistake. */
    async record(h) {
      const data = handoffInput.parse(h);
      return handoffs.save({ ...data, createdAt: clock.now() });
    },
    byConversation: (conversationId) => handoffs.byConversation(conversationId),
    byCaller: (e164) => handoffs.byCaller(e164),
  };
}
