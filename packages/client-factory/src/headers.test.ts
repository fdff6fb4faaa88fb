import { describe, expect, it } from 'vitest';
import { normalizeHeaders } from './index.js';

describe('normalizeHeaders', () => {
  it('makes a single set-cookie an array and keeps other headers as they are', () => {
    expect(normalizeHeaders({ 'set-cookie': 'a=1', 'content-type': 'text/plain', vary: ['a', 'b'] })).toEqual({
      'set-cookie': ['a=1'],
      'content-type': 'text/plain',
      vary: ['a', 'b'],
    });
  });

  it('keeps several set-cookie values, lowercases names and drops undefined values', () => {
    expect(normalizeHeaders({ 'Set-Cookie': ['a=1', 'b=2'], 'X-Id': '7', gone: undefined })).toEqual({
      'set-cookie': ['a=1', 'b=2'],
      'x-id': '7',
    });
  });

  it('leaves set-cookie out when the response has none', () => {
    expect(normalizeHeaders({ a: '1' })).toEqual({ a: '1' });
  });

  it('reads the raw [name, value, ...] list of a dispatch handler', () => {
    const raw = [Buffer.from('Set-Cookie'), Buffer.from('a=1'), 'X-A', '1', 'x-a', '2'];
    expect(normalizeHeaders(raw)).toEqual({ 'set-cookie': ['a=1'], 'x-a': ['1', '2'] });
  });

  it('reads fetch Headers without joining set-cookie values', () => {
    const headers = new Headers([
      ['set-cookie', 'a=1, with a comma'],
      ['set-cookie', 'b=2'],
      ['content-length', '3'],
    ]);
    expect(normalizeHeaders(headers)).toEqual({ 'set-cookie': ['a=1, with a comma', 'b=2'], 'content-length': '3' });
  });

  it('does not modify its input', () => {
    const input = { 'set-cookie': 'a=1' };
    normalizeHeaders(input);
    expect(input).toEqual({ 'set-cookie': 'a=1' });
  });
});
