/**
 * Every language's texts (locales/<lng>/<namespace>.json), bundled as modules: no file is read at run
 * time, so the same code runs on Workers. `test/locales.test.ts` fails when a file on disk is not here.
 */
import en_common from '../locales/en/common.json' with { type: 'json' };
import en_email from '../locales/en/email.json' with { type: 'json' };
import en_flow from '../locales/en/flow.json' with { type: 'json' };
import en_reminders from '../locales/en/reminders.json' with { type: 'json' };
import en_sms from '../locales/en/sms.json' with { type: 'json' };
import en_voice from '../locales/en/voice.json' with { type: 'json' };
import en_web from '../locales/en/web.json' with { type: 'json' };
import zhHK_common from '../locales/zh-HK/common.json' with { type: 'json' };
import zhHK_email from '../locales/zh-HK/email.json' with { type: 'json' };
import zhHK_flow from '../locales/zh-HK/flow.json' with { type: 'json' };
import zhHK_reminders from '../locales/zh-HK/reminders.json' with { type: 'json' };
import zhHK_sms from '../locales/zh-HK/sms.json' with { type: 'json' };
import zhHK_voice from '../locales/zh-HK/voice.json' with { type: 'json' };
import zhHK_web from '../locales/zh-HK/web.json' with { type: 'json' };
import zhCN_common from '../locales/zh-CN/common.json' with { type: 'json' };
import zhCN_email from '../locales/zh-CN/email.json' with { type: 'json' };
import zhCN_flow from '../locales/zh-CN/flow.json' with { type: 'json' };
import zhCN_reminders from '../locales/zh-CN/reminders.json' with { type: 'json' };
import zhCN_sms from '../locales/zh-CN/sms.json' with { type: 'json' };
import zhCN_voice from '../locales/zh-CN/voice.json' with { type: 'json' };
import zhCN_web from '../locales/zh-CN/web.json' with { type: 'json' };
import type { Locale } from './core/types.js';

export type Resources = Record<Locale, Record<string, Record<string, unknown>>>;

export const RESOURCES: Resources = {
  'en': { common: en_common, email: en_email, flow: en_flow, reminders: en_reminders, sms: en_sms, voice: en_voice, web: en_web },
  'zh-HK': { common: zhHK_common, email: zhHK_email, flow: zhHK_flow, reminders: zhHK_reminders, sms: zhHK_sms, voice: zhHK_voice, web: zhHK_web },
  'zh-CN': { common: zhCN_common, email: zhCN_email, flow: zhCN_flow, reminders: zhCN_reminders, sms: zhCN_sms, voice: zhCN_voice, web: zhCN_web },
};
