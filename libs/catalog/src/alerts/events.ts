import { z } from 'zod';
import { createEventParser, eventVersion, id, isoTimestamp, type UpcasterMap } from '@tollgate/ledger';
import { LowBalanceAlertsSetSchema, type LowBalanceAlertsSet } from '../events';

/**
 * Events of the `workspace-alerts-{workspaceId}` stream: the settings (LowBalanceAlertsSet, in
 * ../events.ts with the other per-workspace rules), the webhook signing secret, and the crossings the
 * balance watcher observed. One decider owns the stream, so a crossing is recorded exactly once.
 */
export const ALERTS_STREAM_PREFIX = 'workspace-alerts-';

export function alertsStream(workspaceId: string): string {
  return ALERTS_STREAM_PREFIX + workspaceId;
}

export function isAlertsStream(streamId: string): boolean {
  return streamId.startsWith(ALERTS_STREAM_PREFIX);
}

const nanocredits = z.string().regex(/^-?(0|[1-9][0-9]*)$/, 'expected an integer string of nanocredits');
const nonNegativeNanocredits = z.string().regex(/^(0|[1-9][0-9]*)$/);
/** `commit/prepare` of the balance read model row the observation came from (ordering only). */
const observedPosition = z.string().regex(/^-?[0-9]+\/-?[0-9]+$/);

/**
 * The secret HMAC-signing this workspace's alert webhooks, sealed (AES-256-GCM under the master key,
 * bound to the workspace id); the plain secret is shown to the owner once and never stored.
 */
export const AlertWebhookSecretRotatedSchema = z.object({
  eventVersion,
  workspaceId: id,
  secretSealed: z.string().min(1).max(10_000),
  /** The secret's last characters, so an owner can tell which secret a receiver holds. */
  secretHint: z.string().min(1).max(16),
  actor: id,
  at: isoTimestamp,
});

/** The balance (posted, see ObserveBalance) went from at or above a threshold to below it. */
export const LowBalanceThresholdCrossedSchema = z.object({
  eventVersion,
  workspaceId: id,
  thresholdNanocredits: nonNegativeNanocredits,
  balanceNanocredits: nanocredits,
  observedPosition,
  /** When the watcher saw the balance (the crossing happened at or before this instant). */
  at: isoTimestamp,
});

/** The balance is at or above a threshold it had crossed. */
export const LowBalanceRecoveredSchema = z.object({
  eventVersion,
  workspaceId: id,
  thresholdNanocredits: nonNegativeNanocredits,
  balanceNanocredits: nanocredits,
  observedPosition,
  at: isoTimestamp,
});

export type AlertWebhookSecretRotated = z.infer<typeof AlertWebhookSecretRotatedSchema>;
export type LowBalanceThresholdCrossed = z.infer<typeof LowBalanceThresholdCrossedSchema>;
export type LowBalanceRecovered = z.infer<typeof LowBalanceRecoveredSchema>;

export type AlertsEvent =
  | { type: 'LowBalanceAlertsSet'; data: LowBalanceAlertsSet }
  | { type: 'AlertWebhookSecretRotated'; data: AlertWebhookSecretRotated }
  | { type: 'LowBalanceThresholdCrossed'; data: LowBalanceThresholdCrossed }
  | { type: 'LowBalanceRecovered'; data: LowBalanceRecovered };

export type AlertsEventType = AlertsEvent['type'];

export const ALERTS_EVENT_SCHEMAS: { [K in AlertsEventType]: z.ZodType } = {
  LowBalanceAlertsSet: LowBalanceAlertsSetSchema,
  AlertWebhookSecretRotated: AlertWebhookSecretRotatedSchema,
  LowBalanceThresholdCrossed: LowBalanceThresholdCrossedSchema,
  LowBalanceRecovered: LowBalanceRecoveredSchema,
};

export const ALERTS_EVENT_TYPES = Object.keys(ALERTS_EVENT_SCHEMAS) as AlertsEventType[];

const ALERTS_EVENT_UPCASTERS: UpcasterMap = {};

/** Validates a stored alerts-stream event; other types → null; a malformed known type throws. */
export const parseAlertsEvent: (type: string, data: unknown) => AlertsEvent | null =
  createEventParser<AlertsEvent>(ALERTS_EVENT_SCHEMAS, {}, ALERTS_EVENT_UPCASTERS);
