import { DomainError, type Decider } from '@tollgate/event-store';
import { isoTimestamp } from '@tollgate/ledger';
import type { WorkspaceRulesEvent } from '../workspace-policy/events';
import type { KeyQuotas, SetWorkspaceQuotas, WorkspaceQuotasCommand } from './commands';
import { isKnownTimeZone, keyQuotasData, quotasOf, type WorkspaceQuotas } from './quotas';

export interface WorkspaceQuotasState {
  quotas: WorkspaceQuotas | null;
}

/** Upper bounds that keep counters far from overflow and catch typos (a limit is a positive integer). */
const MAX_PER_MINUTE = 1_000_000_000;
const MAX_CONCURRENT = 100_000;
const MAX_CREDITS_NANOCREDITS = 10n ** 24n;
const MAX_KEYS = 1_000;

function invalid(message: string, field: string): DomainError {
  return new DomainError('INVALID_QUOTAS', message, { field });
}

type Limits = Omit<KeyQuotas, 'keyId'>;

/** The limits shared by a workspace and its keys; `prefix` names the field path for errors. */
function validateLimits(c: Limits, prefix: string): DomainError | null {
  const ints: Array<[number | null, number, string]> = [
    [c.requestsPerMinute, MAX_PER_MINUTE, 'requestsPerMinute'],
    [c.tokensPerMinute, MAX_PER_MINUTE, 'tokensPerMinute'],
    [c.concurrentRequests, MAX_CONCURRENT, 'concurrentRequests'],
  ];
  for (const [value, max, field] of ints)
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > max))
      return invalid(`${prefix}${field} must be an integer from 1 to ${max}, or null`, prefix + field);
  const credits: Array<[bigint | null, string]> = [
    [c.creditsPerDayNanocredits, 'creditsPerDayNanocredits'],
    [c.creditsPerMonthNanocredits, 'creditsPerMonthNanocredits'],
  ];
  for (const [value, field] of credits)
    if (value !== null && (value < 1n || value > MAX_CREDITS_NANOCREDITS))
      return invalid(`${prefix}${field} must be a positive amount of nanocredits, or null`, prefix + field);
  if (
    c.creditsPerDayNanocredits !== null &&
    c.creditsPerMonthNanocredits !== null &&
    c.creditsPerDayNanocredits > c.creditsPerMonthNanocredits
  )
    return invalid(
      `${prefix}the daily credit quota exceeds the monthly one`,
      `${prefix}creditsPerDayNanocredits`,
    );
  return null;
}

function validate(c: SetWorkspaceQuotas): DomainError | null {
  if (!isoTimestamp.safeParse(c.now).success) return invalid('now is not an ISO timestamp', 'now');
  if (c.actor.length === 0 || c.actor.length > 200) return invalid('actor is required', 'actor');
  const own = validateLimits(c, '');
  if (own) return own;
  const keys = c.keys ?? [];
  if (keys.length > MAX_KEYS) return invalid(`at most ${MAX_KEYS} keys may have quotas`, 'keys');
  const seen = new Set<string>();
  for (const [i, k] of keys.entries()) {
    if (k.keyId.length === 0 || k.keyId.length > 200)
      return invalid('a key id is required', `keys.${i}.keyId`);
    if (seen.has(k.keyId)) return invalid(`key '${k.keyId}' is listed twice`, `keys.${i}.keyId`);
    seen.add(k.keyId);
    const err = validateLimits(k, `keys.${i}.`);
    if (err) return err;
  }
  if (!isKnownTimeZone(c.timeZone))
    return invalid(`'${c.timeZone}' is not a known IANA time zone`, 'timeZone');
  return null;
}

function sameQuotas(a: WorkspaceQuotas, b: WorkspaceQuotas): boolean {
  return (
    a.requestsPerMinute === b.requestsPerMinute &&
    a.tokensPerMinute === b.tokensPerMinute &&
    a.creditsPerDayNanocredits === b.creditsPerDayNanocredits &&
    a.creditsPerMonthNanocredits === b.creditsPerMonthNanocredits &&
    a.concurrentRequests === b.concurrentRequests &&
    a.timeZone === b.timeZone &&
    JSON.stringify(a.keys.map(keyQuotasData)) === JSON.stringify(b.keys.map(keyQuotasData))
  );
}

/**
 * A workspace's quotas, on the workspace's rules stream (`workspace-policy-{workspaceId}`). The same
 * quotas again record nothing.
 */
export const workspaceQuotasDecider: Decider<
  WorkspaceQuotasCommand,
  WorkspaceRulesEvent,
  WorkspaceQuotasState
> = {
  initialState: () => ({ quotas: null }),
  decide(command, state) {
    switch (command.type) {
      case 'SetWorkspaceQuotas': {
        const err = validate(command);
        if (err) return err;
        const next: WorkspaceQuotas = {
          requestsPerMinute: command.requestsPerMinute,
          tokensPerMinute: command.tokensPerMinute,
          creditsPerDayNanocredits: command.creditsPerDayNanocredits,
          creditsPerMonthNanocredits: command.creditsPerMonthNanocredits,
          concurrentRequests: command.concurrentRequests,
          timeZone: command.timeZone,
          keys: command.keys ?? [],
        };
        if (state.quotas && sameQuotas(state.quotas, next)) return [];
        return [
          {
            type: 'WorkspaceQuotasSet',
            data: {
              workspaceId: command.workspaceId,
              requestsPerMinute: next.requestsPerMinute,
              tokensPerMinute: next.tokensPerMinute,
              creditsPerDayNanocredits: next.creditsPerDayNanocredits?.toString() ?? null,
              creditsPerMonthNanocredits: next.creditsPerMonthNanocredits?.toString() ?? null,
              concurrentRequests: next.concurrentRequests,
              timeZone: next.timeZone,
              // Absent when there are none: earlier events keep their exact shape.
              ...(next.keys.length > 0 ? { keys: next.keys.map(keyQuotasData) } : {}),
              actor: command.actor,
              at: command.now,
            },
          },
        ];
      }
      default: {
        const never: never = command.type;
        return new DomainError('UNKNOWN_COMMAND', `unknown command ${String(never)}`);
      }
    }
  },
  evolve(state, event) {
    switch (event.type) {
      case 'WorkspaceQuotasSet':
        return { quotas: quotasOf(event.data) };
      case 'WorkspacePolicySet':
      case 'LowBalanceAlertsSet':
        return state;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
};
