import { describe, expect, it } from 'vitest';
import { chooseOption, digitsInText, readAnswer, type Choosable } from '../../src/flows/interpret.js';
import { NO_WORDS, YES_WORDS } from '../../src/flows/interpret.js';
import type { UserEvent } from '../../src/flows/reply.js';

const text = (t: string): UserEvent => ({ type: 'user.text', text: t });
const keys = (d: string): UserEvent => ({ type: 'user.digits', digits: d });

describe('digitsInText', () => {
  it.each([
    ['261100000013', '261100000013'],
    ['2611 0000 0013', '261100000013'],
    ['2611-0000-0013', '261100000013'],
    ['２６１１００００００１３', '261100000013'],
    ['two six one one zero zero zero zero zero zero one three', '261100000013'],
    ['two six one one double zero double zero double zero one three', '261100000013'],
    ['two six one one triple zero triple zero one three', '261100000013'],
    ['Two Six One One, oh oh oh oh, oh oh one three', '261100000013'],
    ['二六一一零零零零零零一三', '261100000013'],
    ['二六一一〇〇〇〇〇〇一三', '261100000013'],
    ['貳陸壹壹', '2611'],
    ['幺二三四五六', '123456'],
    ['my code is 123456', '123456'],
    ['我嘅密碼係一二三四五六', '123456'],
    ['star', '*'],
    ['hash', '#'],
    ['one', '1'],
  ])('reads %j as %s', (input, expected) => {
    expect(digitsInText(input)).toBe(expected);
  });

  it.each(['twelve', 'twenty six eleven', '十二', '一百', 'hello', ''])('refuses to guess from %j', (input) => {
    expect(digitsInText(input)).toBeNull();
  });
});

describe('readAnswer', () => {
  it('reads keys: 0 is an agent, * a repeat, # done, silence nothing', () => {
    expect(readAnswer(keys('0'))).toEqual({ kind: 'agent' });
    expect(readAnswer(keys('*'))).toEqual({ kind: 'repeat' });
    expect(readAnswer(keys('#'))).toEqual({ kind: 'done' });
    expect(readAnswer(keys(''))).toEqual({ kind: 'silence' });
    expect(readAnswer({ type: 'user.silence' })).toEqual({ kind: 'silence' });
    expect(readAnswer(keys('261100000013#'))).toMatchObject({ kind: 'input', digits: '261100000013' });
  });

  it.each([
    ['agent', 'agent'],
    ['I want to speak to an operator', 'agent'],
    ['轉駁客服', 'agent'],
    ['人工服务', 'agent'],
    ['zero', 'agent'],
    ['零', 'agent'],
    ['repeat', 'repeat'],
    ['再講一次', 'repeat'],
    ['重复', 'repeat'],
    ['done', 'done'],
    ['冇喇', 'done'],
    ['没有了', 'done'],
    ['#', 'done'],
  ] as const)('reads %j as %s', (input, kind) => {
    expect(readAnswer(text(input)).kind).toBe(kind);
  });

  it('keeps a number said with words as the number', () => {
    expect(readAnswer(text('261100000013 done'))).toMatchObject({ kind: 'input', digits: '261100000013' });
    expect(readAnswer(text('the CCRN is 2611 0000 0013'))).toMatchObject({ kind: 'input', digits: '261100000013' });
  });
});

describe('chooseOption', () => {
  const yesNo: Choosable[] = [
    { key: '1', words: YES_WORDS },
    { key: '2', words: NO_WORDS },
  ];
  const main: Choosable[] = [
    { key: '1', words: ['bundle', 'bundling', '綑綁', '捆绑'] },
    { key: '2', words: ['status', 'consignment', '狀態', '状态', '貨物'] },
    { key: '3', words: ['registration', '登記', '登记'] },
    { key: '9', words: ['language'] },
  ];
  const choose = (e: UserEvent, o: Choosable[]) => chooseOption(readAnswer(e), o);

  it.each([
    ['1', '1'],
    ['１', '1'],
    ['one', '1'],
    ['一', '1'],
    ['press two', '2'],
    ['揀三', '3'],
    ['bundle', '1'],
    ['捆绑', '1'],
    ['registration status', '3'],
    ['查詢一下貨物狀態', '2'],
    ['4', null],
    ['12', null],
    ['hello', null],
  ])('main menu: %j chooses %s', (input, key) => {
    expect(choose(text(input), main)).toBe(key);
  });

  it.each([
    ['yes', '1'],
    ['Yes please', '1'],
    ['係', '1'],
    ['係呀', '1'],
    ['是', '1'],
    ['对', '1'],
    ['no', '2'],
    ['唔係', '2'],
    ['不是', '2'],
    ['不对', '2'],
    ['2', '2'],
  ])('yes/no: %j chooses %s', (input, key) => {
    expect(choose(text(input), yesNo)).toBe(key);
  });

  it('takes a pressed key only when it is an option', () => {
    expect(choose(keys('1'), main)).toBe('1');
    expect(choose(keys('7'), main)).toBeNull();
    expect(choose(keys('11'), main)).toBeNull();
  });
});
