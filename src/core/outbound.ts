/**
 * Outbound messages and calls: through the provider when there is one, else (no credentials, or a
 * demo-seed number) into the outbox table and the log, masked.
 */
import type { DriverRepository, OutboundCall, OutboundPort, OutboundResult, OutboundSms, OutboxRepository } from './ports.js';
import type { Clock } from './types.js';
import type { Logger } from '../logger.js';
import { maskPhone } from './mask.js';

export interface OutboundDeps {
  outbox: OutboxRepository;
  drivers: Pick<DriverRepository, 'isDemoNumber'>;
  /** The real provider (Twilio), or null when there are no credentials. */
  provider: OutboundPort | null;
  clock: Clock;
  logger?: Logger;
}

export function createOutbound({ outbox, drivers, provider, clock, logger }: OutboundDeps): OutboundPort {
  const divert = async (kind: 'sms' | 'call', to: string, body: string, purpose: string): Promise<OutboundResult | null> => {
    const reason = !provider ? 'no_credentials' : (await drivers.isDemoNumber(to)) ? 'demo_number' : null;
    if (!reason) return null;
    const toMasked = maskPhone(to) ?? '****';
    const { sid } = await outbox.add({ kind, toMasked, body, purpose, reason, createdAt: clock.now() });
    logger?.info({ outbox: sid, kind, purpose, toMasked, reason }, 'outbound kept in the outbox');
    return { ok: true, sid, via: 'outbox' };
  };

  return {
    async sendSms(sms: OutboundSms) {
      return (await divert('sms', sms.to, sms.body, sms.purpose)) ?? provider!.sendSms(sms);
    },
    async placeCall(call: OutboundCall) {
      return (await divert('call', call.to, call.summary, call.purpose)) ?? provider!.placeCall(call);
    },
  };
}
