import { CircuitBreaker } from './circuit-breaker';

describe('circuit breaker', () => {
  let nowMs = 0;
  const breaker = (): CircuitBreaker =>
    new CircuitBreaker({ failureThreshold: 3, coolDownMs: 1000, now: () => nowMs });
  beforeEach(() => {
    nowMs = 10_000;
  });

  it('given fewer consecutive failures than the threshold, when asked, then it stays closed', () => {
    const b = breaker();
    b.recordFailure();
    b.recordFailure();
    b.recordSuccess();
    b.recordFailure();
    b.recordFailure();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('given threshold consecutive failures, when asked within the cool-down, then it refuses', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure();
    expect(b.state).toBe('open');
    nowMs += 999;
    expect(b.tryAcquire()).toBe(false);
  });

  it('given an open circuit after its cool-down, when two callers ask, then only one probe goes through', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure();
    nowMs += 1000;
    expect(b.state).toBe('half_open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
  });

  it('given a half-open probe that succeeds, when asked, then the circuit is closed again', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure();
    nowMs += 1000;
    b.tryAcquire();
    b.recordSuccess();
    expect(b.state).toBe('closed');
    expect(b.tryAcquire()).toBe(true);
  });

  it('given a half-open probe that fails, when asked, then the circuit opens for another cool-down', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure();
    nowMs += 1000;
    b.tryAcquire();
    b.recordFailure();
    expect(b.state).toBe('open');
    nowMs += 500;
    expect(b.tryAcquire()).toBe(false);
    nowMs += 500;
    expect(b.tryAcquire()).toBe(true);
  });

  it('given a probe whose outcome is never reported, when a cool-down passes, then another probe may go', () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) b.recordFailure();
    nowMs += 1000;
    expect(b.tryAcquire()).toBe(true);
    nowMs += 1000;
    expect(b.tryAcquire()).toBe(true);
  });
});
