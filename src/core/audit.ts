/** The audit trail of enquiries and bundlings: channel, masked caller, driver, outcome. */
import type { AuditRepository } from './ports.js';
import type { Asker } from './services.js';
import type { Clock } from './types.js';
import type { Logger } from '../logger.js';
import { maskPhone } from './mask.js';

export interface Auditor {
  /**
   * Records one outcome. Called after the business write has committed, so a failure here never
   * leaves half-written business data; it is logged and swallowed, so the caller still hears the
   * outcome that really happened. `detail` must hold no code, full ID number or full phone number.
   */
  record(
    asker: Asker,
    entry: { action: string; driverNo: string | null; outcome: string; detail?: Record<string, unknown> },
  ): Promise<void>;
}

export function createAuditor({ audit, clock, logger }: { audit: AuditRepository; clock: Clock; logger?: Logger }): Auditor {
  return {
    async record(asker, { action, driverNo, outcome, detail }) {
      const entry = {
        at: clock.now(),
        channel: asker.channel,
        callerMasked: maskPhone(asker.caller),
        driverNo,
        action,
        outcome,
        ...(detail ? { detail } : {}),
      };
      try {
        await audit.record(entry);
      } catch (err) {
        logger?.error({ err, action, outcome, channel: asker.channel, callerMasked: entry.callerMasked }, 'audit record failed');
      }
    },
  };
}

/** The outcome word of a Result for the audit trail. */
export const outcomeOf = (r: { ok: true } | { ok: false; reason: string }): string => (r.ok ? 'ok' : r.reason);
