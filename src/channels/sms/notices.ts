/**
 * Notices the core sends to a driver's registered mobile, in the driver's language: today, that
 * their token has just been locked (README, "Token lock"), so that a driver who did not type the
 * wrong codes learns of it at once and can call an agent.
 */
import type { OutboundPort } from '../../core/ports.js';
import type { TokenLockNotifier } from '../../core/tokens.js';
import { renderMessages } from './render.js';

export function smsTokenLockNotifier(outbound: Pick<OutboundPort, 'sendSms'>): TokenLockNotifier {
  return async ({ driver, lockedAt, lockedUntil }) => {
    // A driver without a mobile that takes SMS hears of the lock when they next call (the hotline says it).
    if (!driver.mobile || !driver.smsCapable) return;
    const body = renderMessages(
      [{ key: 'sms:notice.token_locked', params: { at: { kind: 'time', iso: lockedAt.toISOString() }, until: { kind: 'time', iso: lockedUntil.toISOString() } } }],
      driver.locale,
    );
    const sent = await outbound.sendSms({ to: driver.mobile, body, purpose: 'token_locked' });
    if (!sent.ok) throw new Error(`lock notice refused by the provider (${sent.kind}, code ${sent.code ?? 'none'})`);
  };
}
