/**
 * Statement batching: calls made while the event loop is busy with one round of I/O are gathered
 * and sent as one statement (one round trip, one commit) instead of one each. Used where many
 * concurrent jobs each run the same small statement (the reminder worker's claim and record).
 */

export interface BatchOptions {
  /** At most this many items in one statement; more start another. Default 500. */
  maxSize?: number;
  /** Told when a batch's statement failed (its items are then run one by one). */
  onBatchFailure?: (err: unknown, size: number) => void;
}

/**
 * Returns a function with `one`'s signature that batches. `many` must answer one result per item,
 * in the items' order. A batch of one runs `one`; a batch whose statement fails runs each item
 * alone, so an item fails only for its own reason (a deadlock or a bad row never takes others down).
 */
export function batched<I, O>(many: (items: I[]) => Promise<O[]>, one: (item: I) => Promise<O>, opts: BatchOptions = {}): (item: I) => Promise<O> {
  const maxSize = opts.maxSize ?? 500;
  let pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];

  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    if (batch.length === 1) {
      const [p] = batch;
      one(p!.item).then(p!.resolve, p!.reject);
      return;
    }
    many(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) throw new Error(`batch answered ${results.length} results for ${batch.length} items`);
        batch.forEach((p, i) => p.resolve(results[i]!));
      },
      (err: unknown) => {
        opts.onBatchFailure?.(err, batch.length);
        for (const p of batch) one(p.item).then(p.resolve, p.reject);
      },
    ).catch((err: unknown) => batch.forEach((p) => p.reject(err)));
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (pending.length === 1) setImmediate(flush);
      else if (pending.length >= maxSize) flush();
    });
}
