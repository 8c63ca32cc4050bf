/**
 * Settles a send whose outcome we did not record: the outbox first (it keeps the send's purpose,
 * which names the attempt), then Twilio's list APIs (messages / calls to that number from ours,
 * created since the attempt began). Without Twilio credentials every send goes to the outbox, so
 * "not in the outbox" is definite.
 */
import type { Twilio } from 'twilio';
import type { LookupResult, ProviderLookup, ReminderRepository } from './ports.js';

export interface LookupDeps {
  repo: Pick<ReminderRepository, 'outboxSid'>;
  /** A Twilio client and our sending number; null without credentials. */
  twilio: { client: Twilio; from: string } | null;
  /** Clock skew allowed between us and Twilio when comparing creation times. Default 30 s. */
  skewMs?: number;
}

export function createProviderLookup({ repo, twilio, skewMs = 30_000 }: LookupDeps): ProviderLookup {
  return {
    async find(q): Promise<LookupResult> {
      const kept = await repo.outboxSid(q.purpose);
      if (kept) return { found: true, sid: kept, via: 'outbox', status: null };
      if (!twilio) return { found: false };
      const after = q.since.getTime() - skewMs;
      try {
        if (q.channel === 'sms') {
          const messages = await twilio.client.messages.list({ to: q.to, from: twilio.from, limit: 50 });
          const m = messages.find(
            (x) => x.dateCreated && x.dateCreated.getTime() >= after && (!q.body || (x.body ?? '').includes(q.body)),
          );
          return m ? { found: true, sid: m.sid, via: 'provider', status: m.status } : { found: false };
        }
        const calls = await twilio.client.calls.list({ to: q.to, from: twilio.from, limit: 50 });
        const c = calls.find((x) => x.dateCreated && x.dateCreated.getTime() >= after);
        return c ? { found: true, sid: c.sid, via: 'provider', status: c.status } : { found: false };
      } catch (err) {
        return { found: 'unknown', reason: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}
