import { DeciderSpecification } from '@tollgate/ledger';
import { parseWorkspaceRulesEvent, type WorkspaceRulesEvent } from '../workspace-policy/events';
import type { SetWorkspaceQuotas } from './commands';
import { workspaceQuotasDecider } from './decider';

const spec = DeciderSpecification(workspaceQuotasDecider, { parse: parseWorkspaceRulesEvent });
const T0 = '2026-03-01T10:00:00.000Z';
const CREDIT = 1_000_000_000n;

const command = (o: Partial<SetWorkspaceQuotas> = {}): SetWorkspaceQuotas => ({
  type: 'SetWorkspaceQuotas',
  workspaceId: 'ws-1',
  requestsPerMinute: 60,
  tokensPerMinute: 100_000,
  creditsPerDayNanocredits: 5n * CREDIT,
  creditsPerMonthNanocredits: 100n * CREDIT,
  concurrentRequests: 4,
  timeZone: 'Europe/Berlin',
  actor: 'admin-1',
  now: T0,
  ...o,
});

const quotasSet = (o: Partial<SetWorkspaceQuotas> = {}): WorkspaceRulesEvent => {
  const c = command(o);
  return {
    type: 'WorkspaceQuotasSet',
    data: {
      workspaceId: c.workspaceId,
      requestsPerMinute: c.requestsPerMinute,
      tokensPerMinute: c.tokensPerMinute,
      creditsPerDayNanocredits: c.creditsPerDayNanocredits?.toString() ?? null,
      creditsPerMonthNanocredits: c.creditsPerMonthNanocredits?.toString() ?? null,
      concurrentRequests: c.concurrentRequests,
      timeZone: c.timeZone,
      actor: c.actor,
      at: c.now,
    },
  };
};

describe('workspace quotas decider', () => {
  it('given no quotas, when quotas are set, then WorkspaceQuotasSet carries credits as decimal strings', () => {
    const [event] = spec.given([]).when(command()).then([quotasSet()]);
    expect(event.type === 'WorkspaceQuotasSet' && event.data.creditsPerDayNanocredits).toBe('5000000000');
  });

  it('given quotas, when the same quotas are set again, then nothing is recorded', () => {
    spec
      .given([quotasSet()])
      .when(command({ actor: 'someone-else' }))
      .thenNothing();
  });

  it('given quotas, when limits are lifted (null), then the new quotas are recorded', () => {
    spec
      .given([quotasSet()])
      .when(command({ requestsPerMinute: null, creditsPerMonthNanocredits: null }))
      .then([quotasSet({ requestsPerMinute: null, creditsPerMonthNanocredits: null })]);
  });

  it('when a per-minute or concurrency limit is not a positive integer, then INVALID_QUOTAS names it', () => {
    spec
      .given([])
      .when(command({ requestsPerMinute: 0 }))
      .thenThrows('INVALID_QUOTAS', { field: 'requestsPerMinute' });
    spec
      .given([])
      .when(command({ tokensPerMinute: 1.5 }))
      .thenThrows('INVALID_QUOTAS', { field: 'tokensPerMinute' });
    spec
      .given([])
      .when(command({ concurrentRequests: 100_001 }))
      .thenThrows('INVALID_QUOTAS', { field: 'concurrentRequests' });
  });

  it('when a credit quota is zero or the daily one exceeds the monthly one, then it is refused', () => {
    spec
      .given([])
      .when(command({ creditsPerDayNanocredits: 0n }))
      .thenThrows('INVALID_QUOTAS', { field: 'creditsPerDayNanocredits' });
    spec
      .given([])
      .when(command({ creditsPerDayNanocredits: 10n * CREDIT, creditsPerMonthNanocredits: 5n * CREDIT }))
      .thenThrows('INVALID_QUOTAS', { field: 'creditsPerDayNanocredits' });
  });

  it('given per-key quotas, then they are recorded with credits as strings; the same again records nothing', () => {
    const keys = [
      {
        keyId: 'key-1',
        requestsPerMinute: 10,
        tokensPerMinute: null,
        creditsPerDayNanocredits: CREDIT,
        creditsPerMonthNanocredits: null,
        concurrentRequests: 2,
      },
    ];
    const [event] = spec.given([]).when(command({ keys })).thenTypes(['WorkspaceQuotasSet']);
    expect(event.type === 'WorkspaceQuotasSet' && event.data.keys).toEqual([
      {
        keyId: 'key-1',
        requestsPerMinute: 10,
        tokensPerMinute: null,
        creditsPerDayNanocredits: '1000000000',
        creditsPerMonthNanocredits: null,
        concurrentRequests: 2,
      },
    ]);
    spec.given([event]).when(command({ keys })).thenNothing();
    // Without keys the event keeps its original shape (no `keys` field at all).
    const [plain] = spec
      .given([event])
      .when(command({ keys: [] }))
      .thenTypes(['WorkspaceQuotasSet']);
    expect(plain.type === 'WorkspaceQuotasSet' && 'keys' in plain.data).toBe(false);
  });

  it('when a key is listed twice or has a bad limit, then INVALID_QUOTAS names the key entry', () => {
    const k = {
      keyId: 'key-1',
      requestsPerMinute: null,
      tokensPerMinute: null,
      creditsPerDayNanocredits: null,
      creditsPerMonthNanocredits: null,
      concurrentRequests: null,
    };
    spec
      .given([])
      .when(command({ keys: [k, k] }))
      .thenThrows('INVALID_QUOTAS', { field: 'keys.1.keyId' });
    spec
      .given([])
      .when(command({ keys: [{ ...k, concurrentRequests: 0 }] }))
      .thenThrows('INVALID_QUOTAS', { field: 'keys.0.concurrentRequests' });
  });

  it('when the time zone is unknown, then it is refused', () => {
    spec
      .given([])
      .when(command({ timeZone: 'Mars/Olympus_Mons' }))
      .thenThrows('INVALID_QUOTAS', { field: 'timeZone' });
  });
});
