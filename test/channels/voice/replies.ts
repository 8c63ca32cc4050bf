/**
 * Reply fixtures for renderer contract tests, with their own i18n namespace (`fixture`) so the tests
 * do not depend on the flows' wording. `useFixtureStrings()` adds it to the shared i18next instance.
 */
import type { Reply } from '../../../src/flows/reply.js';
import { i18n } from '../../../src/i18n.js';

const strings = {
  en: {
    welcome: 'Welcome to ROCARS.',
    ccrn: { prompt: 'Enter the twelve-digit CCRN, then the hash key.', readback: 'CCRN {{ccrn}}, {{packages}} packages.' },
    menu: { bundle: 'bundling', status: 'consignment status', agent: 'an agent', repeat: 'repeating this menu' },
    lang: { name: 'English' },
    done: 'Your bundle reference is {{ref}}. Goodbye.',
    handoff: 'You will now be transferred.',
    confirm: 'Press 1 to confirm, 2 to start again.',
    code: 'Enter the six-digit code on your token.',
  },
  'zh-HK': {
    welcome: '歡迎致電道路貨物資料系統。',
    ccrn: { prompt: '請輸入十二位數字嘅貨物編號，然後按井號鍵。', readback: '貨物編號{{ccrn}}，{{packages}}件貨。' },
    menu: { bundle: '綑綁貨物', status: '查詢貨物狀態', agent: '搵客戶服務員', repeat: '重聽' },
    lang: { name: '廣東話' },
    done: '你嘅綑綁編號係{{ref}}。拜拜。',
    handoff: '而家幫你轉駁。',
    confirm: '確認請按1，重新開始請按2。',
    code: '請輸入保安編碼器上面嘅六位數字。',
  },
  'zh-CN': {
    welcome: '欢迎致电道路货物资料系统。',
    ccrn: { prompt: '请输入十二位货物编号，然后按井号键。', readback: '货物编号{{ccrn}}，{{packages}}件。' },
    menu: { bundle: '捆绑货物', status: '查询货物状态', agent: '人工服务', repeat: '重听' },
    lang: { name: '普通话' },
    done: '您的捆绑编号是{{ref}}。再见。',
    handoff: '现在为您转接。',
    confirm: '确认请按1，重新开始请按2。',
    code: '请输入保安编码器上的六位数字。',
  },
};

export function useFixtureStrings(): void {
  const inst = i18n();
  for (const [lng, res] of Object.entries(strings)) inst.addResourceBundle(lng, 'fixture', res, true, true);
}

export const REPLIES = {
  mainMenu: {
    locale: 'en',
    say: [{ key: 'fixture:welcome' }],
    expect: {
      kind: 'menu',
      options: [
        { key: '1', label: 'fixture:menu.bundle', words: ['bundle', 'bundling', '綑綁'] },
        { key: '2', label: 'fixture:menu.status', words: ['status'] },
        { key: '0', label: 'fixture:menu.agent', words: ['agent', 'operator'] },
        { key: '*', label: 'fixture:menu.repeat' },
      ],
    },
  },
  languageMenu: {
    locale: 'en',
    say: [
      { key: 'fixture:welcome', locale: 'zh-HK' },
      { key: 'fixture:welcome', locale: 'zh-CN' },
      { key: 'fixture:welcome', locale: 'en' },
    ],
    expect: {
      kind: 'menu',
      options: [
        { key: '1', label: 'fixture:lang.name', locale: 'zh-HK', words: ['cantonese'] },
        { key: '2', label: 'fixture:lang.name', locale: 'zh-CN', words: ['putonghua'] },
        { key: '3', label: 'fixture:lang.name', locale: 'en', words: ['english'] },
      ],
    },
  },
  ccrnEntry: {
    locale: 'zh-HK',
    say: [{ key: 'fixture:ccrn.prompt' }],
    expect: { kind: 'digits', min: 12, max: 12, finishKey: '#', timeoutSec: 12, name: 'ccrn' },
  },
  tokenCode: {
    locale: 'zh-CN',
    say: [{ key: 'fixture:code' }],
    expect: { kind: 'digits', min: 6, max: 6, name: 'code' },
  },
  readback: {
    locale: 'en',
    say: [{ key: 'fixture:ccrn.readback', params: { ccrn: { kind: 'digits', value: '261100000013' }, packages: 12 } }, { key: 'fixture:confirm' }],
    expect: { kind: 'yesno' },
  },
  done: {
    locale: 'en',
    say: [{ key: 'fixture:done', params: { ref: { kind: 'digits', value: '261100013', group: 3 } } }],
    expect: null,
    end: { kind: 'hangup' },
  },
  handoff: {
    locale: 'zh-HK',
    say: [{ key: 'fixture:handoff' }],
    expect: null,
    end: { kind: 'agent', reason: 'no_input', where: 'bundling.ccrn' },
  },
} satisfies Record<string, Reply>;
