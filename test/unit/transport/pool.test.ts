import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../../src/transport/pool.js';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapConcurrent', () => {
  it('keeps at most `limit` in flight and returns results in input order', async () => {
    let active = 0;
    let peak = 0;
    const results = await mapConcurrent([30, 5, 20, 1, 10, 2], 2, async (ms, i) => {
      active++;
      peak = Math.max(peak, active);
      await tick(ms);
      active--;
      return i * 10;
    });
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x'))).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('isolates failures, including synchronous throws', async () => {
    const results = await mapConcurrent(['ok', 'boom', 'sync', 'ok2'], 3, (item) => {
      if (item === 'sync') throw new Error('sync');
      return item === 'boom' ? Promise.reject(new Error('boom')) : Promise.resolve(item);
    });
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'ok',
      'boom',
      'sync',
      'ok2',
    ]);
  });

  it('on abort, settles items not yet started with the reason and lets running ones finish', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const results = await mapConcurrent(
      [0, 1, 2, 3],
      1,
      async (i) => {
        started.push(i);
        if (i === 1) controller.abort(new Error('interrupted'));
        await tick(5);
        return i;
      },
      controller.signal,
    );
    expect(started).toEqual([0, 1]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      0,
      1,
      'interrupted',
      'interrupted',
    ]);
  });

  it('handles an empty list and refuses a bad limit', async () => {
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
    await expect(mapConcurrent([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });
});
