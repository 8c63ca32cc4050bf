import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { SessionStore } from '../../src/sessions/port.js';
import { sessionTargets, type Harness } from './targets.js';

const HOUR = 3600;

describe.each(sessionTargets())('session store on $name', (target) => {
  let h: Harness;
  let store: SessionStore;
  beforeAll(async () => {
    h = await target.open();
    store = h.backend.sessions;
  });
  afterAll(() => h?.close());

  // A key of its own for each test.
  const k = (name: string) => `${name}:${randomUUID()}`;

  it('says which backend it is', () => {
    expect(store.kind).toBe(target.name);
    expect(h.backend.kind).toBe(target.name);
  });

  it('loads null for a key never saved', async () => {
    expect(await store.load(k('missing'))).toBeNull();
  });

  it('makes version 1 on the first save and one more on each save after', async () => {
    const key = k('first');
    expect(await store.save(key, { step: 'ask_ccrn' }, 0, HOUR)).toBe(1);
    expect(await store.load(key)).toEqual({ value: { step: 'ask_ccrn' }, version: 1 });
    expect(await store.save(key, { step: 'ask_code' }, 1, HOUR)).toBe(2);
    expect(await store.save(key, { step: 'done' }, 2, HOUR)).toBe(3);
    expect(await store.load(key)).toEqual({ value: { step: 'done' }, version: 3 });
  });

  it('refuses a first save that expects a version the key never had', async () => {
    const key = k('phantom');
    expect(await store.save(key, { step: 'x' }, 1, HOUR)).toBeNull();
    expect(await store.load(key)).toBeNull();
  });

  it('refuses a stale save and writes nothing', async () => {
    const key = k('stale');
    expect(await store.save(key, { turn: 1 }, 0, HOUR)).toBe(1);
    expect(await store.save(key, { turn: 2 }, 1, HOUR)).toBe(2);
    // A turn that loaded version 1 (or nothing) before the save above.
    expect(await store.save(key, { turn: 'late' }, 1, HOUR)).toBeNull();
    expect(await store.save(key, { turn: 'late' }, 0, HOUR)).toBeNull();
    expect(await store.save(key, { turn: 'ahead' }, 5, HOUR)).toBeNull();
    expect(await store.load(key)).toEqual({ value: { turn: 2 }, version: 2 });
  });

  it('lets exactly one of 20 concurrent saves from the same loaded version win', async () => {
    const key = k('race');
    const stores = [store, ...(await Promise.all([h.peer(), h.peer(), h.peer()])).map((p) => p.sessions)];
    const save = (expected: number) =>
      Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % stores.length]!.save(key, { by: i, after: expected }, expected, HOUR),
        ),
      );

    expect(await store.load(key)).toBeNull();
    const first = await save(0);
    expect(first.filter((v) => v === 1)).toHaveLength(1);
    expect(first.filter((v) => v === null)).toHaveLength(19);
    const winner = first.indexOf(1);
    // Every instance sees the winner's value.
    for (const s of stores) expect(await s.load(key)).toEqual({ value: { by: winner, after: 0 }, version: 1 });

    const second = await save(1);
    expect(second.filter((v) => v === 2)).toHaveLength(1);
    expect(second.filter((v) => v === null)).toHaveLength(19);
    expect(await store.load(key)).toEqual({ value: { by: second.indexOf(2), after: 1 }, version: 2 });
  });

  it('saves many conversations at once, each with its own version, value and answer', async () => {
    // More than one Redis call holds (the store batches the saves of one event-loop turn).
    const keys = Array.from({ length: 150 }, (_, i) => k(`many-${i}`));
    const first = await Promise.all(keys.map((key, i) => store.save(key, { i, round: 1 }, 0, HOUR)));
    expect(first).toEqual(keys.map(() => 1));
    // Round two in one go: every third save is stale (expects version 0) and must change nothing.
    const second = await Promise.all(keys.map((key, i) => store.save(key, { i, round: 2 }, i % 3 === 0 ? 0 : 1, HOUR)));
    expect(second).toEqual(keys.map((_, i) => (i % 3 === 0 ? null : 2)));
    const loaded = await Promise.all(keys.map((key) => store.load(key)));
    expect(loaded).toEqual(keys.map((_, i) => (i % 3 === 0 ? { value: { i, round: 1 }, version: 1 } : { value: { i, round: 2 }, version: 2 })));
  });

  it('applies two saves of one conversation made together one after the other', async () => {
    const key = k('twice-at-once');
    const [a, b, c] = await Promise.all([
      store.save(key, { step: 'a' }, 0, HOUR),
      store.save(key, { step: 'b' }, 1, HOUR),
      store.save(key, { step: 'c' }, 1, HOUR),
    ]);
    expect([a, b, c]).toEqual([1, 2, null]);
    expect(await store.load(key)).toEqual({ value: { step: 'b' }, version: 2 });
  });

  it('forgets an entry once its TTL has passed', async () => {
    const key = k('ttl');
    expect(await store.save(key, { step: 'ask_ccrn' }, 0, 1)).toBe(1);
    expect(await store.load(key)).toEqual({ value: { step: 'ask_ccrn' }, version: 1 });
    await h.elapse(1.2);
    expect(await store.load(key)).toBeNull();
    // An expired entry is absent: a turn that loaded it before cannot save over a fresh start.
    expect(await store.save(key, { step: 'late' }, 1, HOUR)).toBeNull();
    expect(await store.load(key)).toBeNull();
    expect(await store.save(key, { step: 'fresh' }, 0, HOUR)).toBe(1);
    expect(await store.load(key)).toEqual({ value: { step: 'fresh' }, version: 1 });
  });

  it('counts the TTL from the latest save', async () => {
    const key = k('renew');
    expect(await store.save(key, { turn: 1 }, 0, 2)).toBe(1);
    await h.elapse(1.2);
    expect(await store.save(key, { turn: 2 }, 1, 2)).toBe(2);
    await h.elapse(1.2);
    // 2.4 s after the first save, 1.2 s after the second.
    expect(await store.load(key)).toEqual({ value: { turn: 2 }, version: 2 });
  });

  it('deletes an entry, after which the key starts again from version 0', async () => {
    const key = k('delete');
    expect(await store.save(key, { step: 'menu' }, 0, HOUR)).toBe(1);
    await store.delete(key);
    expect(await store.load(key)).toBeNull();
    expect(await store.save(key, { step: 'again' }, 1, HOUR)).toBeNull();
    expect(await store.save(key, { step: 'again' }, 0, HOUR)).toBe(1);
    await expect(store.delete(k('never-saved'))).resolves.toBeUndefined();
  });

  it('round-trips values through JSON', async () => {
    const value = {
      flowVersion: 3,
      locale: 'zh-HK',
      text: '請輸入貨物編號 🚚 "quoted" \\ back\nslash',
      ccrns: ['250312345678', '250398765432'],
      authorised: { driverNo: '12345674', until: 1_741_000_000_000 },
      nothing: null,
      yes: true,
      ratio: 0.5,
      nested: [[1, [2, { three: 3 }]]],
      empty: {},
    };
    const key = k('json');
    expect(await store.save(key, value, 0, HOUR)).toBe(1);
    expect((await store.load(key))?.value).toEqual(value);

    // What JSON cannot hold comes back as JSON makes it, the same on every backend.
    const lossy = k('lossy');
    const at = new Date('2025-03-01T01:00:00.000Z');
    expect(await store.save(lossy, { at, gone: undefined, kept: 1 }, 0, HOUR)).toBe(1);
    expect((await store.load(lossy))?.value).toStrictEqual({ at: '2025-03-01T01:00:00.000Z', kept: 1 });

    for (const scalar of ['plain text', 42, null, false, []]) {
      const sk = k('scalar');
      expect(await store.save(sk, scalar, 0, HOUR)).toBe(1);
      expect((await store.load(sk))?.value).toEqual(scalar);
    }
  });

  it('stores a copy: changing a saved or loaded object changes nothing stored', async () => {
    const key = k('copy');
    const saved = { ccrns: ['250312345678'], step: 'ask_more' };
    await store.save(key, saved, 0, HOUR);
    saved.ccrns.push('250398765432');
    saved.step = 'changed after save';
    const loaded = await store.load<{ ccrns: string[]; step: string }>(key);
    loaded!.value.ccrns.push('250311111111');
    loaded!.value.step = 'changed after load';
    expect(await store.load(key)).toEqual({ value: { ccrns: ['250312345678'], step: 'ask_more' }, version: 1 });
  });

  it('keeps keys apart', async () => {
    const a = k('a');
    const b = k('b');
    const aChild = `${a}:child`;
    expect(await store.save(a, { who: 'a' }, 0, HOUR)).toBe(1);
    expect(await store.save(a, { who: 'a2' }, 1, HOUR)).toBe(2);
    expect(await store.save(b, { who: 'b' }, 0, HOUR)).toBe(1);
    expect(await store.load(aChild)).toBeNull();
    expect(await store.save(aChild, { who: 'child' }, 0, HOUR)).toBe(1);
    await store.delete(a);
    expect(await store.load(a)).toBeNull();
    expect(await store.load(b)).toEqual({ value: { who: 'b' }, version: 1 });
    expect(await store.load(aChild)).toEqual({ value: { who: 'child' }, version: 1 });
  });

  it('throws on a programming error and writes nothing', async () => {
    const key = k('misuse');
    await expect(store.save(key, undefined, 0, HOUR)).rejects.toThrow(TypeError);
    await expect(store.save(key, () => 1, 0, HOUR)).rejects.toThrow(TypeError);
    await expect(store.save(key, { a: 1 }, 0, 0)).rejects.toThrow(RangeError);
    await expect(store.save(key, { a: 1 }, 0, -5)).rejects.toThrow(RangeError);
    await expect(store.save(key, { a: 1 }, 0, Number.NaN)).rejects.toThrow(RangeError);
    await expect(store.save(key, { a: 1 }, -1, HOUR)).rejects.toThrow(RangeError);
    await expect(store.save(key, { a: 1 }, 0.5, HOUR)).rejects.toThrow(RangeError);
    expect(await store.load(key)).toBeNull();
  });
});
