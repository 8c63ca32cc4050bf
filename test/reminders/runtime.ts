/**
 * The whole app (createRuntime, demo data) configured for the reminder suites: Twilio credentials
 * of the fake provider, a public base URL and an admin token; served on loopback for the
 * signed-webhook client (test/helpers/runtime.ts does the rest).
 */
import type { Clock } from '../../src/core/types.js';
import type { Logger } from '../../src/logger.js';
import type { DbTarget } from '../helpers/db.js';
import { createTestRuntime, type TestRuntime } from '../helpers/runtime.js';
import { ACCOUNT_SID, AUTH_TOKEN, FROM } from './fake-twilio.js';

export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const PUBLIC_BASE = 'https://rocars.example';

export type ReminderRuntime = TestRuntime;

export function reminderRuntime(opts: { target?: DbTarget; env?: Record<string, string>; clock?: Clock; logger?: Logger } = {}): Promise<ReminderRuntime> {
  return createTestRuntime({
    ...(opts.target ? { target: opts.target } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    env: {
      PUBLIC_BASE_URL: PUBLIC_BASE,
      TWILIO_ACCOUNT_SID: ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      TWILIO_FROM_NUMBER: FROM,
      ADMIN_API_TOKEN: ADMIN_TOKEN,
      ...opts.env,
    },
  });
}
