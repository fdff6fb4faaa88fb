import { describe, expect, it } from 'vitest';
import { parseLoginUser } from './body.js';

const parse = (type: string | undefined, body: string): string => parseLoginUser(type, Buffer.from(body));

describe('parseLoginUser', () => {
  it('reads form and JSON bodies, with or without charset parameters', () => {
    expect(parse('application/x-www-form-urlencoded', 'user=alice&x=1')).toBe('alice');
    expect(parse('application/x-www-form-urlencoded; charset=utf-8', 'user=al%20ice')).toBe('al ice');
    expect(parse('application/json; charset=utf-8', '{"user":"bob"}')).toBe('bob');
    expect(parse('application/vnd.api+json', '{"user":"carol"}')).toBe('carol');
  });

  it('sniffs the body when no content type is given', () => {
    expect(parse(undefined, '{"user":"dave"}')).toBe('dave');
    expect(parse(undefined, 'user=erin')).toBe('erin');
  });

  it('trims the user name', () => {
    expect(parse('application/json', '{"user":"  frank "}')).toBe('frank');
  });

  it.each([
    ['application/json', '{"user":', 400, 'bad_json'],
    ['application/json', 'null', 400, 'bad_body'],
    ['application/json', '{"user":"   "}', 400, 'missing_user'],
    ['application/json', `{"user":"${'x'.repeat(257)}"}`, 400, 'bad_user'],
    ['application/x-www-form-urlencoded', '', 400, 'missing_user'],
    ['text/plain', 'user=x', 415, 'unsupported_media_type'],
  ])('rejects %s %j with %i %s', (type, body, status, reason) => {
    expect(() => parse(type, body)).toThrow(expect.objectContaining({ status, reason, code: 'SE_ERR_TARGET_REQUEST_REJECTED' }));
  });
});
