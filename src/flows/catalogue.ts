/**
 * The one message catalogue of refusals: every reason a core use case can answer, and the few a
 * channel adds, mapped to its key in `common:refusal.*`. The table is typed from the core's reason
 * unions, so a new reason without a text fails typecheck; `test/catalogue.test.ts` renders every
 * entry in every language through every renderer.
 *
 * Wording that must differ by channel is an i18next context variant of the same key: the bare key
 * is the conversation's (the hotline says it, and an SMS conversation sends it: contexts `voice`
 * and `text` fall back to it), `<reason>_command` the SMS one-shot reply's (it says how to send the
 * command again, and that nothing was done), `<reason>_html` the web form's. A reason only one
 * channel meets has its text as the bare key.
 */
import type {
  BundleProblemReason,
  ConsignmentStatusReason,
  IdentifyReason,
  RegistrationStatusReason,
  TokenCodeReason,
  UnbundleReason,
} from '../core/services.js';
import type { ConsignmentStatus, RegistrationStatus } from '../core/types.js';
import type { Msg, MsgParam } from './reply.js';

/** Reasons a channel adds of its own: SMS bundling from a mobile that is no driver's. */
export type ChannelReason = 'not_driver';

export type RefusalReason =
  | BundleProblemReason
  | TokenCodeReason
  | UnbundleReason
  | IdentifyReason
  | ConsignmentStatusReason
  | RegistrationStatusReason
  | ChannelReason;

const key = <R extends string>(r: R) => `common:refusal.${r}` as const;

/** Every refusal reason and its key (`satisfies`: one missing is a type error). */
export const REFUSALS = {
  ccrn_format: key('ccrn_format'),
  ccrn_check_digit: key('ccrn_check_digit'),
  ccrn_unknown: key('ccrn_unknown'),
  ccrn_cancelled: key('ccrn_cancelled'),
  ccrn_crossed: key('ccrn_crossed'),
  ccrn_expired: key('ccrn_expired'),
  ccrn_bundled: key('ccrn_bundled'),
  ccrn_repeated: key('ccrn_repeated'),
  direction_mixed: key('direction_mixed'),
  no_ccrns: key('no_ccrns'),
  too_many_ccrns: key('too_many_ccrns'),
  reg_ref_format: key('reg_ref_format'),
  reg_ref_check_digit: key('reg_ref_check_digit'),
  reg_ref_unknown: key('reg_ref_unknown'),
  bundle_ref_format: key('bundle_ref_format'),
  bundle_ref_check_digit: key('bundle_ref_check_digit'),
  bundle_unknown: key('bundle_unknown'),
  bundle_not_yours: key('bundle_not_yours'),
  bundle_not_active: key('bundle_not_active'),
  not_driver: key('not_driver'),
  vehicle_missing: key('vehicle_missing'),
  vehicle_not_registered: key('vehicle_not_registered'),
  vehicle_format: key('vehicle_format'),
  token_code_format: key('token_code_format'),
  token_code_wrong: key('token_code_wrong'),
  token_code_reused: key('token_code_reused'),
  token_locked: key('token_locked'),
  token_expired: key('token_expired'),
  token_missing: key('token_missing'),
  not_authorised: key('not_authorised'),
  driver_unknown: key('driver_unknown'),
  driver_no_format: key('driver_no_format'),
  driver_no_check_digit: key('driver_no_check_digit'),
} as const satisfies Record<RefusalReason, string>;

/**
 * Forms of a refusal when a detail is missing (spoken by the hotline): a CCRN refusal without the
 * CCRN, a bundled CCRN without the other vehicle, and the catch-all.
 */
export const REFUSAL_FORMS = {
  ccrn_unknown_plain: key('ccrn_unknown_plain'),
  ccrn_cancelled_plain: key('ccrn_cancelled_plain'),
  ccrn_crossed_plain: key('ccrn_crossed_plain'),
  ccrn_expired_plain: key('ccrn_expired_plain'),
  ccrn_repeated_plain: key('ccrn_repeated_plain'),
  ccrn_bundled_elsewhere: key('ccrn_bundled_elsewhere'),
  other: key('other'),
} as const;
export type RefusalForm = keyof typeof REFUSAL_FORMS;

export const REFUSAL_REASONS = Object.keys(REFUSALS) as RefusalReason[];

/**
 * The placeholders refusal texts use, by name: `ccrn`, `refNo`, `bundleRef`, `driverNo` (digits);
 * `value` (as typed, when its format is wrong); `vehicle`, `vehicles`; `direction` (the CCRN's),
 * `expected` (the bundle's); `max`, `count` (tries left); `until` (when a token lock ends).
 */
export type RefusalParam = 'ccrn' | 'refNo' | 'bundleRef' | 'driverNo' | 'value' | 'vehicle' | 'vehicles' | 'direction' | 'expected' | 'max' | 'count' | 'until';
export type RefusalParams = Partial<Record<RefusalParam, MsgParam>>;

const clean = (params: RefusalParams): Record<string, MsgParam> =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, MsgParam>;

/** The i18next contexts of the catalogue: a renderer's own (`voice`, `text`) falls back to the bare key. */
export const CONTEXTS = { voice: 'voice', sms: 'text', command: 'command', web: 'html' } as const;

/** The message of a refusal; `context` picks a channel's wording (an SMS one-shot reply: `command`). */
export function refusalMsg(reason: RefusalReason | RefusalForm, params: RefusalParams = {}, context?: string): Msg {
  const k = (REFUSALS as Record<string, string>)[reason] ?? REFUSAL_FORMS[reason as RefusalForm];
  const p = clean(params);
  return { key: k, ...(Object.keys(p).length ? { params: p } : {}), ...(context ? { context } : {}) };
}

/** The key of a refusal, for a renderer that calls `t` itself (the web form). */
export const refusalKey = (reason: RefusalReason): string => REFUSALS[reason];

/**
 * Status words and result lines, typed from the core's status unions (a new status without its
 * texts fails typecheck): `word` is what the hotline says inside its result sentence, `sms` the
 * one-shot reply's line, `web` the result page's heading.
 */
export const CONSIGNMENT_STATUS = {
  submitted: { word: 'common:status.consignment.submitted', sms: 'sms:status.submitted', web: 'web:status.submitted' },
  bundled: { word: 'common:status.consignment.bundled', sms: 'sms:status.bundled', web: 'web:status.bundled' },
  crossed: { word: 'common:status.consignment.crossed', sms: 'sms:status.crossed', web: 'web:status.crossed' },
  cancelled: { word: 'common:status.consignment.cancelled', sms: 'sms:status.cancelled', web: 'web:status.cancelled' },
  expired: { word: 'common:status.consignment.expired', sms: 'sms:status.expired', web: 'web:status.expired' },
} as const satisfies Record<ConsignmentStatus, { word: string; sms: string; web: string }>;

export const REGISTRATION_STATUS = {
  received: { word: 'common:status.registration.received', sms: 'sms:reg.received', web: 'web:registration.received' },
  processing: { word: 'common:status.registration.processing', sms: 'sms:reg.processing', web: 'web:registration.processing' },
  awaiting_visit: { word: 'common:status.registration.awaiting_visit', sms: 'sms:reg.awaiting_visit', web: 'web:registration.awaiting_visit' },
  more_info_required: {
    word: 'common:status.registration.more_info_required',
    sms: 'sms:reg.more_info_required',
    web: 'web:registration.more_info_required',
  },
  completed: { word: 'common:status.registration.completed', sms: 'sms:reg.completed', web: 'web:registration.completed' },
  rejected: { word: 'common:status.registration.rejected', sms: 'sms:reg.rejected', web: 'web:registration.rejected' },
} as const satisfies Record<RegistrationStatus, { word: string; sms: string; web: string }>;

/** The SMS line of a registration awaiting a visit whose notification letter is still valid. */
export const REGISTRATION_LETTER_VALID_SMS = 'sms:reg.awaiting_visit_letter';
