import { safeNextPath } from '../views/page-exception.filter';
import { parseCookies, serializeCookie } from './cookies';

describe('cookies', () => {
  it('given a Cookie header, when parsed, then names map to decoded values and the first of duplicates wins', () => {
    const jar = parseCookies('a=1; tg_session=abc%2Fdef; a=2; junk; q="quoted"');
    expect(jar.get('a')).toBe('1');
    expect(jar.get('tg_session')).toBe('abc/def');
    expect(jar.get('q')).toBe('quoted');
    expect(jar.has('junk')).toBe(false);
    expect(parseCookies(undefined).size).toBe(0);
  });

  it('given a malformed percent escape, when parsed, then the raw value is kept instead of throwing', () => {
    expect(parseCookies('x=%E0%A4%A').get('x')).toBe('%E0%A4%A');
  });

  it('given cookie options, when serialized, then HttpOnly, SameSite=Lax and Path=/ are always there and Secure only when asked', () => {
    expect(serializeCookie('tg_session', 'v', { secure: false, maxAgeSeconds: 60 })).toBe(
      'tg_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
    );
    expect(serializeCookie('tg_session', '', { secure: true, maxAgeSeconds: 0 })).toBe(
      'tg_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure',
    );
  });
});

describe('safeNextPath', () => {
  it.each([
    ['/w/123', '/w/123'],
    ['/admin?x=1', '/admin?x=1'],
    ['//evil.example/x', undefined],
    ['/\\evil.example', undefined],
    ['https://evil.example', undefined],
    ['javascript:alert(1)', undefined],
    ['/\t/evil.example', undefined],
    ['/\n/evil.example', undefined],
    ['/', '/'],
    [undefined, undefined],
  ])('given next=%p, then it is %p', (input, expected) => {
    expect(safeNextPath(input)).toBe(expected);
  });
});
