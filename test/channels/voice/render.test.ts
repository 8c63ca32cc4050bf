import { beforeAll, describe, expect, it } from 'vitest';
import { renderAgent, renderApology, renderVoice } from '../../../src/channels/voice/render.js';
import type { Reply } from '../../../src/flows/reply.js';
import { expectValidTwiml } from '../../helpers/twiml.js';
import { elements, parseXml, textOf, type XmlNode } from './client.js';
import { REPLIES, useFixtureStrings } from './replies.js';

const ACTION = 'https://rocars.example.test/twilio/voice/turn?n=3&lang=en';
const rendered: string[] = [];
const doc = (reply: Reply, agentNumber?: string): XmlNode => {
  const xml = renderVoice(reply, { action: ACTION, agentNumber });
  rendered.push(xml);
  return parseXml(xml);
};

beforeAll(() => useFixtureStrings());

describe('voice renderer', () => {
  it('asks a menu with a Gather for one key or speech, every option said as "For …, press …"', () => {
    const root = doc(REPLIES.mainMenu);
    const [gather, ...rest] = elements(root);
    expect(rest).toEqual([]);
    expect(gather!.name).toBe('Gather');
    expect(gather!.attrs).toMatchObject({
      input: 'dtmf speech',
      actionOnEmptyResult: 'true',
      bargeIn: 'true',
      numDigits: '1',
      action: ACTION,
      method: 'POST',
      speechTimeout: 'auto',
      language: 'en-GB',
      hints: 'bundle, bundling, status, agent, operator',
    });
    const says = elements(gather!);
    expect(says.map((s) => s.name)).toEqual(['Say']);
    expect(says[0]!.attrs).toMatchObject({ language: 'en-GB' });
    expect(textOf(says[0]!)).toBe(
      'Welcome to ROCARS. For bundling, press 1. For consignment status, press 2. For an agent, press 0. For repeating this menu, press star.',
    );
  });

  it('says each message and option of the language menu in its own language and voice', () => {
    const says = elements(elements(doc(REPLIES.languageMenu))[0]!);
    expect(says.map((s) => s.attrs.language)).toEqual(['yue-HK', 'cmn-CN', 'en-GB', 'yue-HK', 'cmn-CN', 'en-GB']);
    expect(says.map((s) => s.attrs.voice)).toEqual([
      'Google.yue-HK-Standard-A', 'Google.cmn-CN-Standard-A', 'Google.en-GB-Standard-A',
      'Google.yue-HK-Standard-A', 'Google.cmn-CN-Standard-A', 'Google.en-GB-Standard-A',
    ]);
    expect(says.map((s) => textOf(s))).toEqual([
      '歡迎致電道路貨物資料系統。',
      '欢迎致电道路货物资料系统。',
      'Welcome to ROCARS.',
      '廣東話，請按1。',
      '普通话，请按2。',
      'For English, press 3.',
    ]);
  });

  it('waits for # after a digit string of the caller, in Cantonese', () => {
    const gather = elements(doc(REPLIES.ccrnEntry))[0]!;
    expect(gather.attrs).toMatchObject({ finishOnKey: '#', timeout: '12', language: 'yue-Hant-HK', input: 'dtmf speech' });
    expect(gather.attrs.numDigits).toBeUndefined();
    expect(elements(gather)[0]!.attrs.language).toBe('yue-HK');
  });

  it('takes a fixed-length code without #, in Putonghua', () => {
    const gather = elements(doc(REPLIES.tokenCode))[0]!;
    expect(gather.attrs).toMatchObject({ numDigits: '6', language: 'cmn-Hans-CN' });
    expect(gather.attrs.finishOnKey).toBeUndefined();
    expect(elements(gather)[0]!.attrs).toMatchObject({ language: 'cmn-CN', voice: 'Google.cmn-CN-Standard-A' });
  });

  it('reads numbers digit by digit in groups and asks yes/no with one key', () => {
    const gather = elements(doc(REPLIES.readback))[0]!;
    expect(gather.attrs.numDigits).toBe('1');
    expect(textOf(gather)).toBe('CCRN 2 6 1 1, 0 0 0 0, 0 0 1 3, 12 packages. Press 1 to confirm, 2 to start again.');
  });

  it('splits a very long text into several <Say>s, message by message', () => {
    const long = { ...REPLIES.done, say: Array.from({ length: 100 }, () => ({ key: 'fixture:ccrn.prompt' })) };
    const says = elements(doc(long)).filter((e) => e.name === 'Say');
    expect(says.length).toBeGreaterThan(1);
    for (const s of says) expect(textOf(s).length).toBeLessThanOrEqual(3000);
    expect(says.map((s) => textOf(s)).join(' ')).toBe(Array(100).fill('Enter the twelve-digit CCRN, then the hash key.').join(' '));
  });

  it('hangs up after the last words', () => {
    const root = doc(REPLIES.done);
    expect(elements(root).map((e) => e.name)).toEqual(['Say', 'Hangup']);
    expect(textOf(elements(root)[0]!)).toBe('Your bundle reference is 2 6 1, 1 0 0, 0 1 3. Goodbye.');
  });

  it('queues a transfer for the agents without AGENT_NUMBER, after the flow’s words and a word of its own', () => {
    const root = doc(REPLIES.handoff);
    const [say, enqueue] = elements(root);
    expect(elements(root).map((e) => e.name)).toEqual(['Say', 'Enqueue']);
    expect(textOf(say!)).toBe('而家幫你轉駁。 請稍等，我哋而家幫你轉駁客戶服務員。');
    expect(textOf(enqueue!)).toBe('agents');
  });

  it('says it is connecting when the flow transfers without a word', () => {
    const root = doc({ ...REPLIES.handoff, say: [] });
    expect(elements(root).map((e) => e.name)).toEqual(['Say', 'Enqueue']);
    expect(textOf(elements(root)[0]!)).toBe('請稍等，我哋而家幫你轉駁客戶服務員。');
  });

  it('dials AGENT_NUMBER for a transfer when it is set', () => {
    const root = doc(REPLIES.handoff, '+85236690001');
    const dial = elements(root).find((e) => e.name === 'Dial')!;
    expect(textOf(dial)).toBe('+85236690001');
  });

  it('apologises in all three languages when the caller’s is unknown, and offers an agent', () => {
    const xml = renderApology(null, { action: '/twilio/voice/fallback' });
    rendered.push(xml);
    const gather = elements(parseXml(xml))[0]!;
    expect(gather.attrs).toMatchObject({ numDigits: '1', action: '/twilio/voice/fallback', actionOnEmptyResult: 'true' });
    const says = elements(gather);
    expect(says.map((s) => s.attrs.language)).toEqual(['yue-HK', 'cmn-CN', 'en-GB']);
    expect(textOf(says[2]!)).toMatch(/^Sorry.*press 0/);
  });

  it('apologises in the caller’s language when known', () => {
    const xml = renderApology('zh-CN', { action: '/twilio/voice/fallback?lang=zh-CN' });
    rendered.push(xml);
    const says = elements(elements(parseXml(xml))[0]!);
    expect(says.map((s) => s.attrs.language)).toEqual(['cmn-CN']);
    expect(textOf(says[0]!)).toContain('人工服务');
  });

  it('connects to an agent straight away after an apology', () => {
    const xml = renderAgent('en', { agentNumber: null });
    rendered.push(xml);
    expect(elements(parseXml(xml)).map((e) => e.name)).toEqual(['Say', 'Enqueue']);
  });

  it('produces TwiML that passes the schema, every time', async () => {
    expect(rendered.length).toBeGreaterThanOrEqual(10);
    await expectValidTwiml(rendered);
  });

  it('a schema check that can fail: a Gather inside a Say is refused', async () => {
    await expect(expectValidTwiml('<Response><Say><Gather/></Say></Response>')).rejects.toThrow(/Gather/);
  });
});
