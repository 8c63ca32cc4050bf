/**
 * The channel-neutral vocabulary between flows and channels: events in, a Reply out.
 * Flows never see TwiML, SMS text or HTML; channels render a Reply with `t` (i18next).
 */
import type { Locale } from '../core/types.js';

/** What a user did, whatever the channel. */
export type UserEvent =
  | { type: 'user.start' }
  | { type: 'user.digits'; digits: string }
  | { type: 'user.text'; text: string }
  | { type: 'user.silence' }
  | { type: 'user.hangup' };

/**
 * A value inside a message. `digits` values are read digit by digit in groups by voice
 * (`2611 0000 0013`: twelve digits in groups of four); `time` values are rendered in Hong Kong time.
 */
export type MsgParam =
  | string
  | number
  | { kind: 'digits'; value: string; group?: number }
  | { kind: 'time'; iso: string }
  | { kind: 'date'; iso: string }
  | { kind: 'key'; key: string; params?: Record<string, MsgParam> };

/** One thing to say: an i18n key (`namespace:key`) and its parameters. */
export interface Msg {
  key: string;
  params?: Record<string, MsgParam>;
  /** Say this one in another language than the Reply's (the language menu offers each in its own). */
  locale?: Locale;
  /** The i18next context to render it with instead of the channel's (`command`: an SMS one-shot reply). */
  context?: string;
}

export interface MenuOption {
  /** The key to press / the number to reply. */
  key: string;
  /** i18n key of the option's label. */
  label: string;
  params?: Record<string, MsgParam>;
  /** Words that also choose it in speech or text (already lower-case), in every language. */
  words?: string[];
  /** Say this option in its own language (the language menu: "廣東話請按1", "For English, press 3"). */
  locale?: Locale;
}

export type Expect =
  | { kind: 'menu'; options: MenuOption[]; timeoutSec?: number }
  | { kind: 'digits'; min: number; max: number; finishKey?: '#'; timeoutSec?: number; name: string }
  | { kind: 'yesno'; timeoutSec?: number }
  | { kind: 'text'; timeoutSec?: number; name: string };

export type End =
  | { kind: 'hangup' }
  | { kind: 'agent'; reason: string; where: string }
  | { kind: 'none' };

export interface Reply {
  locale: Locale;
  say: Msg[];
  /** What comes next; null when the conversation ends. */
  expect: Expect | null;
  end?: End;
}
