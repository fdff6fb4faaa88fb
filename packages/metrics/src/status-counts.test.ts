import { describe, expect, it } from 'vitest';
import { StatusCounts } from './status-counts.js';

function entries(c: StatusCounts): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  c.forEach((status, count) => out.push([status, count]));
  return out;
}

describe('StatusCounts', () => {
  it('counts per code in ascending order, odd codes after three-digit ones', () => {
    const c = new StatusCounts();
    for (const s of [503, 200, 200, 1234, 404, 200, -1, 99.5]) c.increment(s);
    expect(entries(c)).toEqual([
      [200, 3],
      [404, 1],
      [503, 1],
      [-1, 1],
      [99.5, 1],
      [1234, 1],
    ]);
    c.reset();
    expect(entries(c)).toEqual([]);
  });
});
