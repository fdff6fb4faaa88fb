import { describe, expect, it } from 'vitest';
import { ProxyListError, parseProxyUrl } from './index.js';

function reasonOf(text: string): string {
  try {
    parseProxyUrl(text, 'proxies.txt', 3);
  } catch (error) {
    expect(error).toBeInstanceOf(ProxyListError);
    const listError = error as ProxyListError;
    expect(listError.code).toBe('SE_ERR_PROXY_BAD_LINE');
    expect(listError.errors).toHaveLength(1);
    expect(listError.errors[0]).toMatchObject({ source: 'proxies.txt', line: 3 });
    expect(listError.message).toBe(`proxies.txt:3: ${listError.errors[0]?.reason}`);
    return listError.errors[0]?.reason ?? '';
  }
  throw new Error(`expected ${text} to be rejected`);
}

describe('parseProxyUrl: schemes', () => {
  it.each([
    ['http://10.0.0.1:8080', 'http', 'http://10.0.0.1:8080'],
    ['https://proxy.example.com:443', 'https', 'https://proxy.example.com:443'],
    ['socks4://10.0.0.1:1080', 'socks4', 'socks4://10.0.0.1:1080'],
    ['socks4a://10.0.0.1:1080', 'socks4', 'socks4://10.0.0.1:1080'],
    ['socks5://10.0.0.1:1080', 'socks5', 'socks5://10.0.0.1:1080'],
    ['socks5h://10.0.0.1:1080', 'socks5', 'socks5://10.0.0.1:1080'],
    ['socks://10.0.0.1:1080', 'socks5', 'socks5://10.0.0.1:1080'],
    ['HTTP://Proxy.Example.COM:3128', 'http', 'http://proxy.example.com:3128'],
  ] as const)('%s is %s', (text, protocol, url) => {
    const entry = parseProxyUrl(text);
    expect(entry.protocol).toBe(protocol);
    expect(entry.url).toBe(url);
    expect(entry.display).toBe(url);
    expect(entry.username).toBeUndefined();
    expect(entry.password).toBeUndefined();
  });

  it('keeps host and port, and the given source and line', () => {
    const entry = parseProxyUrl('http://10.0.0.1:8080', 'list.txt', 7);
    expect(entry).toMatchObject({ host: '10.0.0.1', port: 8080, source: 'list.txt', line: 7 });
  });

  it('defaults the source to <inline>, line 1', () => {
    expect(parseProxyUrl('http://h:1')).toMatchObject({ source: '<inline>', line: 1 });
  });

  it('accepts one trailing slash', () => {
    expect(parseProxyUrl('http://10.0.0.1:8080/').url).toBe('http://10.0.0.1:8080');
  });

  it('turns an internationalised host name into punycode', () => {
    expect(parseProxyUrl('http://bücher.example:8080').host).toBe('xn--bcher-kva.example');
  });
});

describe('parseProxyUrl: credentials', () => {
  it('percent-decodes username and password and re-encodes them in url', () => {
    const entry = parseProxyUrl('http://us%40er:p%3Ass%2Fw%25rd%20x@10.0.0.1:8080');
    expect(entry.username).toBe('us@er');
    expect(entry.password).toBe('p:ss/w%rd x');
    const url = new URL(entry.url);
    expect(decodeURIComponent(url.username)).toBe('us@er');
    expect(decodeURIComponent(url.password)).toBe('p:ss/w%rd x');
    expect(url.host).toBe('10.0.0.1:8080');
  });

  it('takes the last "@" as the end of the credentials, so a raw "@", "#" or "/" in a password works', () => {
    const entry = parseProxyUrl('socks5://alice:p@ss#w/rd@10.0.0.1:1080');
    expect(entry.username).toBe('alice');
    expect(entry.password).toBe('p@ss#w/rd');
    expect(entry.host).toBe('10.0.0.1');
    expect(decodeURIComponent(new URL(entry.url).password)).toBe('p@ss#w/rd');
  });

  it('splits at the first ":" so a password may contain ":"', () => {
    expect(parseProxyUrl('http://bob:a:b:c@h:1').password).toBe('a:b:c');
  });

  it('accepts a username alone (socks4 user id) and an empty password', () => {
    const socks4 = parseProxyUrl('socks4://ident@10.0.0.1:1080');
    expect(socks4.username).toBe('ident');
    expect(socks4.password).toBeUndefined();
    expect(socks4.url).toBe('socks4://ident@10.0.0.1:1080');
    expect(socks4.display).toBe('socks4://***@10.0.0.1:1080');
    const empty = parseProxyUrl('http://bob:@h:1');
    expect(empty.password).toBe('');
    expect(empty.display).toBe('http://***:***@h:1');
  });

  it('masks both username and password in display', () => {
    expect(parseProxyUrl('http://alice:secret@10.0.0.1:8080').display).toBe('http://***:***@10.0.0.1:8080');
  });
});

describe('parseProxyUrl: IPv6', () => {
  it('accepts a bracketed IPv6 host, bare in host and bracketed in url', () => {
    const entry = parseProxyUrl('http://[::1]:3128');
    expect(entry.host).toBe('::1');
    expect(entry.port).toBe(3128);
    expect(entry.url).toBe('http://[::1]:3128');
    expect(new URL(entry.url).hostname).toBe('[::1]');
  });

  it('accepts credentials with an IPv6 host', () => {
    const entry = parseProxyUrl('socks5://u:p@[2001:DB8::1]:1080');
    expect(entry.host).toBe('2001:db8::1');
    expect(entry.url).toBe('socks5://u:p@[2001:db8::1]:1080');
    expect(entry.display).toBe('socks5://***:***@[2001:db8::1]:1080');
  });
});

describe('parseProxyUrl: bad lines say what is wrong and how to fix it', () => {
  it.each([
    ['ftp://10.0.0.1:21', 'unsupported scheme "ftp"; use http://, https://, socks4:// or socks5://'],
    ['1.2.3.4:8080', 'missing scheme; write http://1.2.3.4:8080 (or https://, socks4://, socks5://)'],
    ['proxy.example.com', 'missing scheme; start the line with http://, https://, socks4:// or socks5://'],
    ['1.2.3.4:8080:alice:secret', 'write http://user:password@1.2.3.4:8080'],
    ['http://1.2.3.4:8080:alice:secret', '"host:port:user:pass" is not a URL; write http://user:password@1.2.3.4:8080'],
    ['http://1.2.3.4', 'missing port; proxies have no default port, write it explicitly, e.g. http://host:8080'],
    ['socks5://1.2.3.4:', 'missing port; proxies have no default port, write it explicitly, e.g. socks5://host:1080'],
    ['http://[::1]', 'missing port'],
    ['http://1.2.3.4:0', 'bad port "0"; use a number from 1 to 65535'],
    ['http://1.2.3.4:65536', 'bad port "65536"; use a number from 1 to 65535'],
    ['http://1.2.3.4:80a', 'bad port (not a number); use a number from 1 to 65535'],
    ['http://1.2.3.4:8080/path', 'path, query or fragment not allowed; write only scheme://[user:password@]host:port'],
    ['http://1.2.3.4:8080?x=1', 'path, query or fragment not allowed'],
    ['http://1.2.3.4:8080#frag', 'path, query or fragment not allowed'],
    ['http://::1:3128', 'an IPv6 host needs brackets; write http://[::1]:3128'],
    ['http://[::1:3128', 'unclosed "["'],
    ['http://[1.2.3.4]:3128', 'is not an IPv6 address'],
    ['http://[::1]x:3128', 'unexpected text after "]"'],
    ['http://:8080', 'missing host'],
    ['http://', 'missing host'],
    ['http://999.1.1.1:8080', 'bad IPv4 address "999.1.1.1"'],
    ['http://exa$mple.com:8080', 'bad host name'],
    ['http://a..b:8080', 'bad host name'],
    ['http://@h:1', 'empty credentials before "@"'],
    ['http://:pw@h:1', 'empty username'],
    ['http://user:100%@h:1', 'write a literal "%" as %25'],
    ['socks4://user:pw@h:1080', 'SOCKS4 has a user id but no password'],
    [`socks5://${'u'.repeat(256)}:p@h:1080`, 'limited to 255 bytes'],
    ['http://a:1 http://b:2', 'unexpected whitespace'],
    ['ht tp://h:1', 'unexpected whitespace'],
    ['1http://h:1', 'malformed scheme'],
  ])('%s', (text, expected) => {
    expect(reasonOf(text)).toContain(expected);
  });

  it('never echoes credentials in a reason', () => {
    const lines = [
      'ftp://alice:s3cr3t@h:1',
      'alice:s3cr3t@h:8080',
      'http://alice:s3cr3t@h',
      'http://alice:s3cr3t@h:99999',
      'http://alice:s3cr3t@h:1/path',
      'socks4://alice:s3cr3t@h:1',
      'http://alice:s3cr3t%zz@h:1',
      'h:8080:alice:s3cr3t',
      'http://h:8080:alice:s3cr3t',
      'http://alice:s3cr3t@[::1:1',
      'http://alice:s3cr3t',
      'http://alice!:s3cr3t',
      'http://[alice]:1',
    ];
    for (const line of lines) {
      const reason = reasonOf(line);
      expect(reason, line).not.toContain('s3cr3t');
      expect(reason, line).not.toContain('alice');
    }
  });
});
