/**
 * Runs `fn` over `items` with at most `limit` in flight. Every item gets a settled result in input
 * order: one node failing (or hanging until its own timeout) never stops or hides the others.
 * When `signal` aborts, items not yet started settle as rejected with the abort reason; items
 * already running are left to finish, since cutting a remote command short is worse than waiting.
 */
export async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<PromiseSettledResult<R>[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }
  const results = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;

  async function worker(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      const item = items[index] as T;
      if (signal?.aborted) {
        results[index] = { status: 'rejected', reason: abortReason(signal) };
        continue;
      }
      try {
        results[index] = { status: 'fulfilled', value: await fn(item, index) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  }

  const workers = Array.from({ length: Math.min(limit, items.length) }, () => worker());
  await Promise.all(workers);
  return results;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted');
}
