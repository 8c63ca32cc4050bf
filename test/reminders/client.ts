/** The shared Twilio-like client (test/helpers/twilio-client.mjs, typed by its .d.mts) for the reminder-call tests. */
import type { Call as SharedCall } from '../helpers/twilio-client.mjs';

export { Call, twilioSignature } from '../helpers/twilio-client.mjs';
export type TwilioCall = SharedCall;
