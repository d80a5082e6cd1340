import { comparePositions, DomainError, parsePosition, type Decider } from '@tollgate/event-store';
import type { AlertsEvent } from './events';

/** Bounds that keep a workspace's alert settings small. */
export const MAX_ALERT_THRESHOLDS = 10;
export const MAX_WEBHOOK_URL_LENGTH = 2000;

export type AlertsCommand =
  | {
      type: 'SetLowBalanceAlerts';
      workspaceId: string;
      /** Available-balance thresholds in nanocredits, any order; stored descending. */
      thresholdsNanocredits: readonly bigint[];
      webhookUrl: string | null;
      actor: string;
      now: Date;
    }
  | {
      type: 'RotateAlertWebhookSecret';
      workspaceId: string;
      secretSealed: string;
      secretHint: string;
      actor: string;
      now: Date;
    }
  | {
      /**
       * What the balance watcher saw: the posted balance (net of all recorded usage) as of a read-model
       * position. Credits a gateway merely reserves in flight are not subtracted: a lease taken and
       * settled a second later would otherwise cross and recover a threshold on every lease.
       */
      type: 'ObserveBalance';
      workspaceId: string;
      balanceNanocredits: bigint;
      observedPosition: string;
      now: Date;
    };

export interface AlertsSettings {
  /** Descending, distinct. */
  thresholdsNanocredits: bigint[];
  webhookUrl: string | null;
}

export interface AlertsState {
  settings: AlertsSettings | null;
  secretHint: string | null;
  /** Thresholds the balance is below now (each crossed once, until it recovers). */
  below: bigint[];
  /** Position of the last observation that produced an event; older observations are stale. */
  lastObservedPosition: string | null;
}

/** Why a webhook URL is refused, or null when it is acceptable (absolute http(s), no credentials). */
export function webhookUrlProblem(text: string): string | null {
  if (text.length > MAX_WEBHOOK_URL_LENGTH)
    return `the URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'the URL is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'the URL must start with http:// or https://';
  if (url.username || url.password) return 'the URL must not contain a user name or password';
  if (!url.hostname) return 'the URL has no host';
  return null;
}

function invalid(issues: string[]): DomainError {
  return new DomainError('ALERTS_INVALID', 'Invalid alert settings', { issues });
}

const desc = (a: bigint, b: bigint): number => (a > b ? -1 : a < b ? 1 : 0);

function sameSettings(a: AlertsSettings, b: AlertsSettings): boolean {
  return (
    a.webhookUrl === b.webhookUrl &&
    a.thresholdsNanocredits.length === b.thresholdsNanocredits.length &&
    a.thresholdsNanocredits.every((t, i) => t === b.thresholdsNanocredits[i])
  );
}

function decideSet(
  c: Extract<AlertsCommand, { type: 'SetLowBalanceAlerts' }>,
  s: AlertsState,
): readonly AlertsEvent[] | DomainError {
  const issues: string[] = [];
  if (c.thresholdsNanocredits.length > MAX_ALERT_THRESHOLDS)
    issues.push(`at most ${MAX_ALERT_THRESHOLDS} thresholds`);
  if (c.thresholdsNanocredits.some((t) => t < 0n)) issues.push('thresholds must not be negative');
  if (new Set(c.thresholdsNanocredits).size !== c.thresholdsNanocredits.length)
    issues.push('each threshold may appear once');
  const url = c.webhookUrl === null ? null : c.webhookUrl.trim();
  if (url !== null) {
    const problem = webhookUrlProblem(url);
    if (problem) issues.push(problem);
  }
  if (issues.length > 0) return invalid(issues);
  const next: AlertsSettings = {
    thresholdsNanocredits: [...c.thresholdsNanocredits].sort(desc),
    webhookUrl: url,
  };
  // The same settings again change nothing (a resubmitted form, a retried request).
  if (s.settings && sameSettings(s.settings, next)) return [];
  return [
    {
      type: 'LowBalanceAlertsSet',
      data: {
        workspaceId: c.workspaceId,
        thresholdsNanocredits: next.thresholdsNanocredits.map(String),
        webhookUrl: next.webhookUrl,
        actor: c.actor,
        at: c.now.toISOString(),
      },
    },
  ];
}

function decideObserve(
  c: Extract<AlertsCommand, { type: 'ObserveBalance' }>,
  s: AlertsState,
): readonly AlertsEvent[] | DomainError {
  let position;
  try {
    position = parsePosition(c.observedPosition);
  } catch {
    return invalid([`observed position ${JSON.stringify(c.observedPosition)} is not a position`]);
  }
  if (!s.settings || s.settings.thresholdsNanocredits.length === 0) return [];
  // An observation older than one already acted on is stale (watchers may overlap). The same position
  // again is judged anew: a threshold added since may be below it, and \`below\` keeps crossings single.
  if (s.lastObservedPosition && comparePositions(position, parsePosition(s.lastObservedPosition)) < 0)
    return [];
  const events: AlertsEvent[] = [];
  const base = {
    workspaceId: c.workspaceId,
    balanceNanocredits: c.balanceNanocredits.toString(),
    observedPosition: c.observedPosition,
    at: c.now.toISOString(),
  };
  for (const threshold of s.settings.thresholdsNanocredits) {
    const isBelow = c.balanceNanocredits < threshold;
    const wasBelow = s.below.includes(threshold);
    if (isBelow && !wasBelow)
      events.push({
        type: 'LowBalanceThresholdCrossed',
        data: { ...base, thresholdNanocredits: threshold.toString() },
      });
    else if (!isBelow && wasBelow)
      events.push({
        type: 'LowBalanceRecovered',
        data: { ...base, thresholdNanocredits: threshold.toString() },
      });
  }
  return events;
}

/**
 * The `workspace-alerts-{workspaceId}` stream: low-balance settings, the webhook secret, and crossings.
 * A threshold is crossed when the balance goes below it and recovers when it is back at or
 * above it; in between, further observations below it emit nothing, so each crossing is one event.
 */
export const alertsDecider: Decider<AlertsCommand, AlertsEvent, AlertsState> = {
  initialState: () => ({ settings: null, secretHint: null, below: [], lastObservedPosition: null }),

  decide(command, state) {
    switch (command.type) {
      case 'SetLowBalanceAlerts':
        return decideSet(command, state);
      case 'RotateAlertWebhookSecret':
        if (command.secretHint.length === 0 || command.secretSealed.length === 0)
          return invalid(['the secret is empty']);
        return [
          {
            type: 'AlertWebhookSecretRotated',
            data: {
              workspaceId: command.workspaceId,
              secretSealed: command.secretSealed,
              secretHint: command.secretHint,
              actor: command.actor,
              at: command.now.toISOString(),
            },
          },
        ];
      case 'ObserveBalance':
        return decideObserve(command, state);
      default: {
        const never: never = command;
        throw new Error(`unknown alerts command ${JSON.stringify(never)}`);
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'LowBalanceAlertsSet': {
        const thresholds = event.data.thresholdsNanocredits.map((t) => BigInt(t)).sort(desc);
        return {
          ...state,
          settings: { thresholdsNanocredits: thresholds, webhookUrl: event.data.webhookUrl },
          // A removed threshold is forgotten; a new one is judged at the next observation.
          below: state.below.filter((t) => thresholds.includes(t)),
        };
      }
      case 'AlertWebhookSecretRotated':
        return { ...state, secretHint: event.data.secretHint };
      case 'LowBalanceThresholdCrossed': {
        const t = BigInt(event.data.thresholdNanocredits);
        return {
          ...state,
          below: state.below.includes(t) ? state.below : [...state.below, t].sort(desc),
          lastObservedPosition: event.data.observedPosition,
        };
      }
      case 'LowBalanceRecovered': {
        const t = BigInt(event.data.thresholdNanocredits);
        return {
          ...state,
          below: state.below.filter((b) => b !== t),
          lastObservedPosition: event.data.observedPosition,
        };
      }
      default: {
        const never: never = event;
        throw new Error(`unknown alerts event ${JSON.stringify(never)}`);
      }
    }
  },
};
