import { classifyFailure } from './fallback';

describe('fallback classification', () => {
  it.each([
    [{ kind: 'connect', message: 'ECONNREFUSED' }, 'retryable'],
    [{ kind: 'timeout', phase: 'headers' }, 'retryable'],
    [{ kind: 'stream_cut' }, 'retryable'],
    [{ kind: 'status', status: 429 }, 'retryable'],
    [{ kind: 'status', status: 500 }, 'retryable'],
    [{ kind: 'status', status: 503 }, 'retryable'],
    [{ kind: 'status', status: 401 }, 'retryable'],
    [{ kind: 'status', status: 400 }, 'final'],
    [{ kind: 'status', status: 422 }, 'final'],
  ] as const)('given %j, when classified, then it is %s', (failure, expected) => {
    expect(classifyFailure(failure)).toBe(expected);
  });
});
