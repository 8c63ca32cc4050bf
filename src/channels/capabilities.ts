/**
 * What each conversation channel tells the flows about itself when it starts a conversation
 * (ConversationStart.capabilities): flows decide on these, never on the channel's name.
 */
import type { Capabilities } from '../flows/flow.js';

/** Voice: caller ID (spoofable: confirmed, proves nothing before a code); a confirmation SMS may follow. */
export const VOICE_CAPABILITIES: Capabilities = Object.freeze({ sender: 'callerId', canSendSms: true });

/** SMS: every answer goes to the sender's number; the answer is an SMS already. */
export const SMS_CAPABILITIES: Capabilities = Object.freeze({ sender: 'verifiedNumber', canSendSms: false });
