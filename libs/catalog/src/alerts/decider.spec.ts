import { DomainError } from '@tollgate/event-store';
import { DeciderSpecification } from '@tollgate/ledger';
import { alertsDecider, type AlertsCommand } from './decider';
import { parseAlertsEvent, type AlertsEvent } from './events';

const spec = DeciderSpecification(alertsDecider, { parse: parseAlertsEvent });
const WS = '6f1c2a52-3b7e-4c4f-9a51-0d6f1d7c1a00';
const NOW = new Date('2026-11-27T08:00:00.000Z');
const CREDIT = 1_000_000_000n;

const set = (
  thresholds: bigint[],
  webhookUrl: string | null = 'https://hooks.example.com/tollgate',
): AlertsCommand => ({
  type: 'SetLowBalanceAlerts',
  workspaceId: WS,
  thresholdsNanocredits: thresholds,
  webhookUrl,
  actor: 'user:owner-1',
  now: NOW,
});
const observe = (available: bigint, position: string): AlertsCommand => ({
  type: 'ObserveBalance',
  workspaceId: WS,
  balanceNanocredits: available,
  observedPosition: position,
  now: NOW,
});

/** Runs commands through the decider, collecting the events (the "given" history). */
function history(...commands: AlertsCommand[]): AlertsEvent[] {
  let state = alertsDecider.initialState();
  const out: AlertsEvent[] = [];
  for (const c of commands) {
    const r = alertsDecider.decide(c, state);
    if (r instanceof DomainError) throw r;
    for (const e of r) {
      state = alertsDecider.evolve(state, e);
      out.push(e);
    }
  }
  return out;
}

describe('low-balance alerts decider', () => {
  it('given no settings, when thresholds are set in any order, then one LowBalanceAlertsSet stores them descending', () => {
    spec
      .given([])
      .when(set([5n * CREDIT, 20n * CREDIT, 10n * CREDIT]))
      .then([
        {
          type: 'LowBalanceAlertsSet',
          data: {
            workspaceId: WS,
            thresholdsNanocredits: ['20000000000', '10000000000', '5000000000'],
            webhookUrl: 'https://hooks.example.com/tollgate',
            actor: 'user:owner-1',
            at: NOW.toISOString(),
          },
        },
      ]);
  });

  it('given settings, when the same settings are submitted again, then nothing is recorded', () => {
    spec
      .given(history(set([10n * CREDIT, 5n * CREDIT])))
      .when(set([5n * CREDIT, 10n * CREDIT]))
      .thenNothing();
  });

  it.each([
    ['ftp://hooks.example.com/x', 'http:// or https://'],
    ['javascript:alert(1)', 'http:// or https://'],
    ['not a url', 'not an absolute URL'],
    ['https://user:pw@hooks.example.com/', 'user name or password'],
  ])('given no settings, when the webhook URL is %s, then ALERTS_INVALID names the problem', (url, text) => {
    const err = spec
      .given([])
      .when(set([CREDIT], url))
      .thenThrows('ALERTS_INVALID');
    expect((err.details.issues as string[]).join('; ')).toContain(text);
  });

  it('given no settings, when thresholds repeat, are negative or too many, then ALERTS_INVALID', () => {
    spec
      .given([])
      .when(set([CREDIT, CREDIT]))
      .thenThrows('ALERTS_INVALID');
    spec
      .given([])
      .when(set([-1n]))
      .thenThrows('ALERTS_INVALID');
    spec
      .given([])
      .when(set(Array.from({ length: 11 }, (_, i) => BigInt(i + 1) * CREDIT)))
      .thenThrows('ALERTS_INVALID');
  });

  it('given thresholds 10 and 5, when the balance drops from 12 to 7, then 10 is crossed once, and a second observation below it emits nothing', () => {
    const given = history(set([10n * CREDIT, 5n * CREDIT]), observe(12n * CREDIT, '1/0'));
    expect(given.map((e) => e.type)).toEqual(['LowBalanceAlertsSet']);
    const crossed = spec
      .given(given)
      .when(observe(7n * CREDIT, '2/0'))
      .then([
        {
          type: 'LowBalanceThresholdCrossed',
          data: {
            workspaceId: WS,
            thresholdNanocredits: '10000000000',
            balanceNanocredits: '7000000000',
            observedPosition: '2/0',
            at: NOW.toISOString(),
          },
        },
      ]);
    spec
      .given([...given, ...crossed])
      .when(observe(6n * CREDIT, '3/0'))
      .thenNothing();
  });

  it('given thresholds 10 and 5, when the balance drops from 12 straight to 1, then both are crossed, highest first', () => {
    const events = spec
      .given(history(set([10n * CREDIT, 5n * CREDIT])))
      .when(observe(CREDIT, '2/0'))
      .thenTypes(['LowBalanceThresholdCrossed', 'LowBalanceThresholdCrossed']);
    expect(events.map((e) => (e.data as { thresholdNanocredits: string }).thresholdNanocredits)).toEqual([
      '10000000000',
      '5000000000',
    ]);
  });

  it('given a crossed threshold, when the balance is back exactly at it, then it recovers, and a new drop crosses it again', () => {
    const given = history(set([10n * CREDIT]), observe(3n * CREDIT, '2/0'));
    const recovered = spec
      .given(given)
      .when(observe(10n * CREDIT, '3/0'))
      .thenTypes(['LowBalanceRecovered']);
    spec
      .given([...given, ...recovered])
      .when(observe(9n * CREDIT, '4/0'))
      .thenTypes(['LowBalanceThresholdCrossed']);
  });

  it('given a crossing observed at position 5/0, when an older observation arrives, then it is stale and emits nothing; the same position again crosses nothing twice', () => {
    const given = history(set([10n * CREDIT]), observe(3n * CREDIT, '5/0'));
    spec
      .given(given)
      .when(observe(20n * CREDIT, '4/9'))
      .thenNothing();
    spec
      .given(given)
      .when(observe(3n * CREDIT, '5/0'))
      .thenNothing();
    spec
      .given(given)
      .when(observe(20n * CREDIT, '5/1'))
      .thenTypes(['LowBalanceRecovered']);
  });

  it('given a crossing at 5/0 and then a new higher threshold, when the same position is observed again, then only the new threshold is crossed', () => {
    const given = history(set([2n * CREDIT]), observe(CREDIT, '5/0'), set([5n * CREDIT, 2n * CREDIT]));
    const events = spec.given(given).when(observe(CREDIT, '5/0')).thenTypes(['LowBalanceThresholdCrossed']);
    expect((events[0].data as { thresholdNanocredits: string }).thresholdNanocredits).toBe('5000000000');
  });

  it('given a balance already below a newly added threshold, when observed, then that threshold is crossed', () => {
    spec
      .given(history(set([2n * CREDIT]), observe(3n * CREDIT, '1/0'), set([5n * CREDIT, 2n * CREDIT])))
      .when(observe(3n * CREDIT, '2/0'))
      .thenTypes(['LowBalanceThresholdCrossed']);
  });

  it('given no thresholds, when a balance is observed, then nothing happens', () => {
    spec.given([]).when(observe(-5n, '1/0')).thenNothing();
    spec
      .given(history(set([])))
      .when(observe(0n, '1/0'))
      .thenNothing();
  });

  it('given a crossed threshold that is removed from the settings, when the balance recovers, then no recovery is emitted for it', () => {
    spec
      .given(history(set([10n * CREDIT, 5n * CREDIT]), observe(7n * CREDIT, '1/0'), set([5n * CREDIT])))
      .when(observe(50n * CREDIT, '2/0'))
      .thenNothing();
  });

  it('given any state, when the secret is rotated, then the sealed secret and its hint are recorded', () => {
    spec
      .given([])
      .when({
        type: 'RotateAlertWebhookSecret',
        workspaceId: WS,
        secretSealed: 'v1:abc',
        secretHint: 'x9Zq',
        actor: 'user:owner-1',
        now: NOW,
      })
      .then([
        {
          type: 'AlertWebhookSecretRotated',
          data: {
            workspaceId: WS,
            secretSealed: 'v1:abc',
            secretHint: 'x9Zq',
            actor: 'user:owner-1',
            at: NOW.toISOString(),
          },
        },
      ]);
  });
});
