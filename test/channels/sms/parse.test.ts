import { describe, expect, it } from 'vitest';
import { chineseScript, parseSms, readInbound, type SmsParse } from '../../../src/channels/sms/parse.js';

const command = (body: string) => {
  const p = parseSms(body);
  if (p.type !== 'command') throw new Error(`${body}: ${JSON.stringify(p)}`);
  return { ...p.command, lang: p.lang };
};

describe('SMS parse: one-shot commands in English and Chinese', () => {
  it.each([
    ['BUNDLE CD5678 261100000013 261100000021 123456', 'en'],
    ['bundle cd5678 261100000013 261100000021 123456', 'en'],
    ['綑綁 CD5678 261100000013 261100000021 123456', 'zh-HK'],
    ['捆綁 CD5678 261100000013 261100000021 123456', 'zh-HK'],
    ['捆绑 CD5678 261100000013 261100000021 123456', 'zh-CN'],
  ])('BUNDLE: %s', (body, lang) => {
    expect(command(body)).toEqual({ kind: 'bundle', vehicle: 'CD5678', ccrns: ['261100000013', '261100000021'], code: '123456', lang });
  });

  it('BUNDLE forgives full-width letters and digits, extra spaces, dashes and groups inside numbers', () => {
    const want = { kind: 'bundle', vehicle: 'CD5678', ccrns: ['261100000013', '261100000021'], code: '123456' };
    expect(command('  bundle   cd 5678  2611-0000-0013   2611 0000 0021  123 456 ')).toMatchObject(want);
    expect(command('綑綁ＣＤ５６７８　２６１１００００００１３　２６１１００００００２１　１２３４５６')).toMatchObject(want);
    expect(command('BUNDLE CD5678, 261100000013, 261100000021, 123456')).toMatchObject(want);
    expect(command('BUNDLE CD5678 261100000013261100000021123456')).toMatchObject(want);
  });

  it('BUNDLE without a vehicle leaves it to the driver having only one', () => {
    expect(command('BUNDLE 261100000013 123456')).toMatchObject({ vehicle: null, ccrns: ['261100000013'] });
  });

  it('BUNDLE with arguments that do not fit says which part to re-send', () => {
    expect(parseSms('BUNDLE CD5678 26110000001 123456')).toMatchObject({ type: 'usage', problem: 'ccrn_format', value: '26110000001' });
    expect(parseSms('BUNDLE CD5678 261100000013 12345')).toMatchObject({ type: 'usage', problem: 'token_code_format' });
    expect(parseSms('BUNDLE CD5678 261100000013')).toMatchObject({ type: 'usage', problem: 'token_code_format' });
    expect(parseSms('BUNDLE CD5678 AB1234 261100000013 123456')).toMatchObject({ type: 'usage', problem: 'vehicle_format' });
    expect(parseSms('BUNDLE CD5678')).toMatchObject({ type: 'usage', problem: 'bundle_args' });
  });

  it.each([
    ['STATUS 261100000013', 'en'],
    ['status 2611 0000 0013', 'en'],
    ['Status 2611-0000-0013', 'en'],
    ['狀態 261100000013', 'zh-HK'],
    ['狀態261100000013', 'zh-HK'],
    ['状态 ２６１１００００００１３', 'zh-CN'],
    ['查詢 261100000013', 'zh-HK'],
  ])('STATUS: %s', (body, lang) => {
    expect(command(body)).toEqual({ kind: 'status', ccrn: '261100000013', lang });
  });

  it.each([
    ['REG 2026110012', 'en'],
    ['reg 20261-10012', 'en'],
    ['登記 2026110012', 'zh-HK'],
    ['登记2026110012', 'zh-CN'],
  ])('REG: %s', (body, lang) => {
    expect(command(body)).toEqual({ kind: 'reg', refNo: '2026110012', lang });
  });

  it.each([
    ['MYBUNDLES 123456', 'en'],
    ['my bundles 123 456', 'en'],
    ['我的綑綁 123456', 'zh-HK'],
    ['我的捆绑１２３４５６', 'zh-CN'],
  ])('MYBUNDLES: %s', (body, lang) => {
    expect(command(body)).toEqual({ kind: 'mybundles', code: '123456', lang });
  });

  it.each([
    ['CANCEL 261100013 123456', 'en'],
    ['cancel 261-100-013 123-456', 'en'],
    ['取消 261100013 123456', 'zh'],
    ['取消261100013123456', 'zh'],
  ])('CANCEL: %s', (body, lang) => {
    expect(command(body)).toEqual({ kind: 'cancel', bundleRef: '261100013', code: '123456', lang });
  });

  it.each([
    ['TOKEN', 'token', 'en'],
    ['編碼器', 'token', 'zh-HK'],
    ['编码器', 'token', 'zh-CN'],
    ['CENTRES', 'centres', 'en'],
    ['centers', 'centres', 'en'],
    ['地點', 'centres', 'zh-HK'],
    ['地点', 'centres', 'zh-CN'],
    ['HELP', 'help', 'en'],
    ['help me', 'help', 'en'],
    ['幫助', 'help', 'zh-HK'],
    ['帮助', 'help', 'zh-CN'],
    ['STOP', 'stop', 'en'],
    ['stop.', 'stop', 'en'],
    ['停止', 'stop', 'zh'],
    ['退訂', 'stop', 'zh-HK'],
    ['START', 'start', 'en'],
    ['開始', 'start', 'zh-HK'],
    ['开始', 'start', 'zh-CN'],
    ['MENU', 'menu', 'en'],
    ['選單', 'menu', 'zh-HK'],
    ['菜单', 'menu', 'zh-CN'],
  ])('%s is %s', (body, kind, lang) => {
    expect(command(body)).toEqual({ kind, lang });
  });

  it.each([
    ['LANG EN', 'en'],
    ['lang english', 'en'],
    ['LANG 繁', 'zh-HK'],
    ['LANG TC', 'zh-HK'],
    ['語言 繁', 'zh-HK'],
    ['LANG 简', 'zh-CN'],
    ['语言 简体', 'zh-CN'],
    ['lang sc', 'zh-CN'],
    ['語言 英文', 'en'],
  ])('LANG: %s', (body, locale) => {
    expect(command(body)).toMatchObject({ kind: 'lang', locale });
  });

  it('a keyword alone walks the conversation from there', () => {
    const keyword = (body: string): SmsParse => parseSms(body);
    expect(keyword('BUNDLE')).toEqual({ type: 'keyword', name: 'bundle', lang: 'en' });
    expect(keyword('綑綁')).toEqual({ type: 'keyword', name: 'bundle', lang: 'zh-HK' });
    expect(keyword('status')).toEqual({ type: 'keyword', name: 'status', lang: 'en' });
    expect(keyword('狀態')).toEqual({ type: 'keyword', name: 'status', lang: 'zh-HK' });
    expect(keyword('登记')).toEqual({ type: 'keyword', name: 'reg', lang: 'zh-CN' });
    expect(keyword('MYBUNDLES')).toEqual({ type: 'keyword', name: 'mybundles', lang: 'en' });
    expect(keyword('取消')).toEqual({ type: 'keyword', name: 'cancel', lang: 'zh' });
    expect(keyword('LANG')).toEqual({ type: 'keyword', name: 'lang', lang: 'en' });
  });

  it('everything else is text for the conversation, full-width made plain', () => {
    expect(parseSms('1')).toEqual({ type: 'text', event: { type: 'user.text', text: '1' } });
    expect(parseSms(' ２６１１ ００００ ００１３ ')).toEqual({ type: 'text', event: { type: 'user.text', text: '2611 0000 0013' } });
    expect(parseSms('yes')).toMatchObject({ type: 'text' });
    // STOP and START only as the whole text, as carriers match them.
    expect(parseSms('stop at lok ma chau')).toMatchObject({ type: 'text' });
    expect(parseSms('start again please')).toMatchObject({ type: 'text' });
    // END finishes a list of CCRNs in the flow; Twilio reports it as OptOutType when it opts out.
    expect(parseSms('end')).toMatchObject({ type: 'text' });
  });

  it('keyword arguments with problems are named', () => {
    expect(parseSms('STATUS 2611000000')).toMatchObject({ type: 'usage', name: 'status', problem: 'ccrn_format', value: '2611000000' });
    expect(parseSms('REG 123')).toMatchObject({ type: 'usage', name: 'reg', problem: 'reg_ref_format', value: '123' });
    expect(parseSms('MYBUNDLES 12345')).toMatchObject({ type: 'usage', name: 'mybundles', problem: 'token_code_format' });
    expect(parseSms('CANCEL 26110001 123456')).toMatchObject({ type: 'usage', name: 'cancel', problem: 'bundle_ref_format' });
    expect(parseSms('CANCEL 261100013')).toMatchObject({ type: 'usage', name: 'cancel', problem: 'token_code_format' });
    expect(parseSms('LANG FR')).toMatchObject({ type: 'usage', name: 'lang', problem: 'lang_unknown' });
  });

  it('tells a Simplified text from a Chinese one', () => {
    expect(chineseScript('你好，我想查询货物')).toBe('zh-CN');
    expect(chineseScript('你好，我想查詢貨物')).toBe('zh');
    expect(chineseScript('hello')).toBeNull();
  });
});

describe('SMS parse: the webhook fields', () => {
  it('reads From, To, Body, MessageSid and OptOutType', () => {
    const r = readInbound({ From: '+85262345678', To: '+85236690000', Body: 'STOP', MessageSid: 'SM1', OptOutType: 'STOP' });
    expect(r).toEqual({ ok: true, sms: { from: '+85262345678', to: '+85236690000', body: 'STOP', messageSid: 'SM1', optOutType: 'STOP' } });
  });

  it('names the field that is missing or malformed', () => {
    expect(readInbound({ To: '+85236690000', Body: 'x', MessageSid: 'SM1' })).toEqual({ ok: false, reason: 'From' });
    expect(readInbound({ From: 'ROCARS', To: '+85236690000', Body: 'x', MessageSid: 'SM1' })).toEqual({ ok: false, reason: 'From' });
    expect(readInbound({ From: '+85262345678', Body: 'x', MessageSid: 'SM1' })).toEqual({ ok: false, reason: 'To' });
    expect(readInbound({ From: '+85262345678', To: '+85236690000', Body: 'x' })).toEqual({ ok: false, reason: 'MessageSid' });
  });
});
