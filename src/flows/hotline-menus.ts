/** The hotline's menus: keys, labels and the words that also choose them (DESIGN.md's keys). */
import type { Locale } from '../core/types.js';
import type { Expect, MenuOption } from './reply.js';
import { NO_WORDS, YES_WORDS } from './interpret.js';
import { deepFreeze, menuExpect, NUMBER_LENGTH, type NumberKind } from './question.js';
import { digits, GROUP, vehicle as vehicleParam, type BundleInfo, type DriverRef } from './messages.js';

/** Menus list at most this many vehicles or bundles (keys 1-8; 9 is the main menu). */
export const MAX_LISTED = 8;

export const YES: MenuOption = { key: '1', label: 'flow:option.yes', words: YES_WORDS };
export const MAIN_MENU: MenuOption = { key: '9', label: 'flow:option.mainMenu', words: ['main menu', 'menu', 'back', '主選單', '主菜单', '主目錄', '主目录', '返回'] };

export const LANGUAGE_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:language.option', locale: 'zh-HK', words: ['cantonese', '廣東話', '广东话', '粵語', '粤语', '廣東', '广东', '繁體', '繁'] },
  { key: '2', label: 'flow:language.option', locale: 'zh-CN', words: ['putonghua', 'mandarin', '普通話', '普通话', '國語', '国语', '简体', '简'] },
  { key: '3', label: 'flow:language.option', locale: 'en', words: ['english', '英文', '英語', '英语'] },
];
export const LANGUAGE_BY_KEY: Record<string, Locale> = { '1': 'zh-HK', '2': 'zh-CN', '3': 'en' };

export const MAIN_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:main.option.bundling', words: ['bundle', 'bundling', 'bundles', '綑綁', '捆綁', '捆绑', '綁', '绑'] },
  { key: '2', label: 'flow:main.option.consignment', words: ['consignment', 'ccrn', 'cargo', 'status', '貨物', '货物', '狀態', '状态'] },
  { key: '3', label: 'flow:main.option.registration', words: ['registration', 'register', 'application', '登記', '登记', '註冊', '注册', '申請', '申请'] },
  { key: '4', label: 'flow:main.option.token', words: ['token', 'security', '保安', '編碼器', '编码器', '密碼器', '密码器'] },
  { key: '5', label: 'flow:main.option.centres', words: ['centre', 'centres', 'center', 'centers', 'post office', 'opening hours', 'hours', 'where', '中心', '郵局', '邮局', '郵政局', '邮政局', '地點', '地点', '開放時間', '开放时间'] },
  { key: '0', label: 'flow:option.agent' },
  { key: '*', label: 'flow:option.repeat' },
  { key: '9', label: 'flow:option.language', words: ['language', 'english', 'cantonese', 'putonghua', 'mandarin', '語言', '语言', '廣東話', '广东话', '普通話', '普通话', '英文'] },
];

export const BUNDLING_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:bundlingMenu.option.bundle', words: ['bundle', 'bundling', 'new', '綑綁', '捆綁', '捆绑'] },
  { key: '2', label: 'flow:bundlingMenu.option.mine', words: ['my bundles', 'hear', 'cancel', 'list', '取消', '我的', '查詢', '查询'] },
  MAIN_MENU,
];

export const CONFIRM_CALLER_OPTIONS: MenuOption[] = [
  YES,
  { key: '2', label: 'flow:identify.option.other', words: NO_WORDS },
  { key: '9', label: 'flow:option.language', words: ['language', '語言', '语言', 'english', '英文'] },
];

export const VEHICLE_CONFIRM_OPTIONS: MenuOption[] = [YES, { key: '2', label: 'flow:option.no', words: NO_WORDS }];

export const SUMMARY_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:summary.option.confirm', words: [...YES_WORDS, 'bundle'] },
  { key: '2', label: 'flow:summary.option.add', words: ['add', 'more', 'another', '加', '多', '再加'] },
  { key: '3', label: 'flow:summary.option.restart', words: ['start again', 'restart', 'clear', '重新', '重來', '重来'] },
];

export const RESULT_OPTIONS: MenuOption[] = [{ key: '1', label: 'flow:option.hearAgain', words: ['again', 'repeat', '再', '重複', '重复'] }, MAIN_MENU];

export const CANCEL_CONFIRM_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:myBundles.option.cancelIt', words: [...YES_WORDS, 'cancel', '取消'] },
  { key: '2', label: 'flow:myBundles.option.keepIt', words: [...NO_WORDS, 'keep', '保留'] },
];

export const NO_BUNDLES_OPTIONS: MenuOption[] = [{ key: '1', label: 'flow:bundlingMenu.option.bundle', words: ['bundle', '綑綁', '捆绑'] }, MAIN_MENU];

export const ANOTHER_CCRN: MenuOption[] = [{ key: '1', label: 'flow:consignment.option.another', words: ['another', 'again', 'more', '另一', '再查'] }, MAIN_MENU];
export const ANOTHER_REF: MenuOption[] = [{ key: '1', label: 'flow:registration.option.another', words: ['another', 'again', 'more', '另一', '再查'] }, MAIN_MENU];

export const TOKEN_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:token.option.mine', words: ['my token', 'mine', 'replace', '我的', '更換', '更换'] },
  { key: '2', label: 'flow:token.option.bring', words: ['bring', 'documents', 'what', '帶', '带', '文件'] },
  { key: '3', label: 'flow:token.option.representative', words: ['representative', 'someone else', 'behalf', '代表', '代辦', '代办', '授權', '授权'] },
  { key: '4', label: 'flow:token.option.where', words: ['where', 'place', '地點', '地点', '邊度', '哪里', '哪裡'] },
  MAIN_MENU,
];

export const CENTRES_OPTIONS: MenuOption[] = [
  { key: '1', label: 'flow:centres.option.postOffices', words: ['post office', 'post offices', '郵局', '邮局', '郵政局', '邮政局'] },
  { key: '2', label: 'flow:centres.option.controlPoints', words: ['control point', 'control points', 'boundary', 'border', 'cargo examination', '管制站', '口岸', '驗貨', '验货'] },
  MAIN_MENU,
];

export const BLOCKED_OPTIONS: MenuOption[] = [{ key: '0', label: 'flow:option.agent' }, MAIN_MENU];

/** A fixed menu's Expect: built once and frozen, so every turn (and the renderer's cache) sees the same object. */
export const menu = (options: MenuOption[]) => {
  const expect = deepFreeze(menuExpect(options));
  return () => expect;
};
export const digitsExpect =
  (kind: NumberKind, name: string, finishKey = true, timeoutSec?: number) =>
  (): Expect => ({
    kind: 'digits',
    min: NUMBER_LENGTH[kind],
    max: NUMBER_LENGTH[kind],
    name,
    ...(finishKey ? { finishKey: '#' as const } : {}),
    ...(timeoutSec ? { timeoutSec } : {}),
  });

export const vehicleOptions = (ctx: { driver: DriverRef | null }): MenuOption[] =>
  (ctx.driver?.vehicles ?? []).slice(0, MAX_LISTED).map((v, i) => ({
    key: String(i + 1),
    label: 'flow:vehicle.option',
    params: { vehicle: vehicleParam(v) },
    words: [v.toLowerCase(), v.toLowerCase().replace(/^([a-z]+)(\d+)$/, '$1 $2')],
  }));

export const bundleOptions = (ctx: { bundles: BundleInfo[] }): MenuOption[] => [
  ...ctx.bundles.slice(0, MAX_LISTED).map((b, i) => ({
    key: String(i + 1),
    label: 'flow:myBundles.option.cancel',
    params: { ref: digits(b.bundleRef, GROUP.bundleRef) },
    words: [b.bundleRef],
  })),
  MAIN_MENU,
];
