import { isNonPublicAddress, literalTargetProblem } from './webhook-target';

describe('webhook targets', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
  ])('given %s, then it is not public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '93.184.216.34', '2606:4700::1111'])('given %s, then it is public', (ip) => {
    expect(isNonPublicAddress(ip)).toBe(false);
  });

  it('given URLs, when private targets are not allowed, then literal private hosts and localhost are refused, names pass to the connect-time check', () => {
    expect(literalTargetProblem('http://127.0.0.1:9000/h', false)).toContain('public host');
    expect(literalTargetProblem('http://[::1]/h', false)).toContain('public host');
    expect(literalTargetProblem('http://localhost/h', false)).toContain('public host');
    expect(literalTargetProblem('https://hooks.example.com/h', false)).toBeNull();
    expect(literalTargetProblem('http://127.0.0.1:9000/h', true)).toBeNull();
  });
});
