import { describe, expect, it } from 'vitest';
import {
  ProxyError,
  ProxyFileError,
  ProxyListError,
  ProxyOptionError,
  ProxyReloadEmptyError,
} from './index.js';

describe('ProxyError', () => {
  it('carries a stable code and the cause', () => {
    const cause = new Error('root cause');
    const error = new ProxyError('boom', 'SE_ERR_PROXY_TEST', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ProxyError');
    expect(error.code).toBe('SE_ERR_PROXY_TEST');
    expect(error.cause).toBe(cause);
  });

  it('defaults to the package code', () => {
    expect(new ProxyError('boom').code).toBe('SE_ERR_PROXY');
  });
});

describe('error subclasses', () => {
  it.each([
    [new ProxyListError([{ source: 's', line: 1, reason: 'r' }]), 'ProxyListError', 'SE_ERR_PROXY_BAD_LINE'],
    [new ProxyFileError('p', new Error('x')), 'ProxyFileError', 'SE_ERR_PROXY_FILE'],
    [new ProxyReloadEmptyError('p'), 'ProxyReloadEmptyError', 'SE_ERR_PROXY_RELOAD_EMPTY'],
    [new ProxyOptionError('o', 'm'), 'ProxyOptionError', 'SE_ERR_PROXY_INVALID_OPTIONS'],
  ])('%s extends ProxyError with its own name and code', (error, name, code) => {
    expect(error).toBeInstanceOf(ProxyError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
  });

  it('ProxyListError copies and freezes its errors', () => {
    const issues = [{ source: 's', line: 1, reason: 'r' }];
    const error = new ProxyListError(issues);
    issues.push({ source: 's', line: 2, reason: 'r' });
    expect(error.errors).toHaveLength(1);
    expect(Object.isFrozen(error.errors)).toBe(true);
  });

  it('ProxyFileError copes with a cause that is not an Error', () => {
    const error = new ProxyFileError('p.txt', 'weird');
    expect(error.osCode).toBeUndefined();
    expect(error.message).toBe('cannot read proxy file "p.txt": weird');
  });
});
