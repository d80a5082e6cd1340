import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignatureHeader, webhookBackoffMs } from './webhook';

describe('alert webhook signature and backoff', () => {
  const secret = 'whsec_test_secret';
  const body = '{"id":"evt_1","type":"balance.low"}';

  it('given a body and a timestamp, when signed, then v1 is HMAC-SHA256 over "t.body" in hex', () => {
    const header = signatureHeader(secret, 1_700_000_000, body);
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(header).toBe(`t=1700000000,v1=${expected}`);
  });

  it('given a signed header, when verified, then it passes within the tolerance and fails for another body, secret or an old timestamp', () => {
    const header = signatureHeader(secret, 1_700_000_000, body);
    expect(verifySignatureHeader(secret, header, body, 1_700_000_100)).toBe(true);
    expect(verifySignatureHeader(secret, header, `${body} `, 1_700_000_100)).toBe(false);
    expect(verifySignatureHeader('whsec_other', header, body, 1_700_000_100)).toBe(false);
    expect(verifySignatureHeader(secret, header, body, 1_700_001_000)).toBe(false);
    expect(verifySignatureHeader(secret, 'garbage', body, 1_700_000_000)).toBe(false);
  });

  it('given failures, when the delay is computed, then it doubles from the base, is capped, and jitter keeps it between half and all of it', () => {
    const policy = { baseMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => webhookBackoffMs(n, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => webhookBackoffMs(n, policy, () => 0))).toEqual([
      50, 100, 200, 400, 500,
    ]);
    for (let i = 0; i < 100; i++) {
      const d = webhookBackoffMs(3, policy);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});
