// Statement batching (src/db/batch.ts): calls of one round of I/O become one statement; a failed
// statement is retried item by item, so an item fails only for its own reason.
import { describe, expect, it } from 'vitest';
import { batched } from '../../src/db/batch.js';

function recorder(failMany = false, failItem?: number) {
  const calls = { many: [] as number[][], one: [] as number[] };
  const run = batched(
    async (items: number[]) => {
      calls.many.push(items);
      if (failMany) throw new Error('deadlock detected');
      return items.map((n) => n * 10);
    },
    async (n: number) => {
      calls.one.push(n);
      if (n === failItem) throw new Error(`item ${n} refused`);
      return n * 10;
    },
    { maxSize: 3 },
  );
  return { run, calls };
}

describe('batched', () => {
  it('sends the calls made together as one batch and answers each with its own result', async () => {
    const { run, calls } = recorder();
    expect(await Promise.all([run(1), run(2), run(3)])).toEqual([10, 20, 30]);
    expect(calls.many).toEqual([[1, 2, 3]]);
    expect(calls.one).toEqual([]);
  });

  it('runs a call made alone on its own', async () => {
    const { run, calls } = recorder();
    expect(await run(7)).toBe(70);
    expect(calls).toEqual({ many: [], one: [7] });
  });

  it('starts another batch beyond the maximum size', async () => {
    const { run, calls } = recorder();
    expect(await Promise.all([1, 2, 3, 4, 5].map(run))).toEqual([10, 20, 30, 40, 50]);
    expect(calls.many).toEqual([[1, 2, 3], [4, 5]]);
  });

  it('retries each item alone when the batch fails, and fails only the item that fails alone', async () => {
    const { run, calls } = recorder(true, 2);
    const results = await Promise.allSettled([run(1), run(2), run(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: 10 });
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/item 2 refused/);
    expect(calls.one.sort()).toEqual([1, 2, 3]);
  });
});
