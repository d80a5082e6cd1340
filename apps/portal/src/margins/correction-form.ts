import type { CorrectionCommand, SellPriceSpec, TokenCost } from '@tollgate/catalog';
import { FormError, textField } from '../admin/admin-forms';

/** The correction form's fields as typed (redisplayed on errors and carried from preview to apply). */
export interface CorrectionFormValues {
  correctionId: string;
  kind: 'cost' | 'price';
  providerId: string;
  upstreamModel: string;
  alias: string;
  priceKind: 'per_million' | 'markup';
  inputPerMillion: string;
  cachedPerMillion: string;
  outputPerMillion: string;
  markupPercent: string;
  from: string;
  to: string;
  reason: string;
  rerate: boolean;
}

export const FORM_FIELD_NAMES = [
  'correctionId',
  'kind',
  'providerId',
  'upstreamModel',
  'alias',
  'priceKind',
  'inputPerMillion',
  'cachedPerMillion',
  'outputPerMillion',
  'markupPercent',
  'from',
  'to',
  'reason',
] as const;

export function readCorrectionForm(body: unknown): CorrectionFormValues {
  const kind = textField(body, 'kind') === 'price' ? 'price' : 'cost';
  const priceKind = textField(body, 'priceKind') === 'markup' ? 'markup' : 'per_million';
  return {
    correctionId: textField(body, 'correctionId'),
    kind,
    providerId: textField(body, 'providerId'),
    upstreamModel: textField(body, 'upstreamModel'),
    alias: textField(body, 'alias'),
    priceKind,
    inputPerMillion: textField(body, 'inputPerMillion'),
    cachedPerMillion: textField(body, 'cachedPerMillion'),
    outputPerMillion: textField(body, 'outputPerMillion'),
    markupPercent: textField(body, 'markupPercent'),
    from: textField(body, 'from'),
    to: textField(body, 'to'),
    reason: textField(body, 'reason'),
    rerate: textField(body, 'rerate') === '1',
  };
}

/** The fields as hidden inputs (preview → apply carries exactly what was previewed). */
export function hiddenFields(v: CorrectionFormValues): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = FORM_FIELD_NAMES.map((name) => ({
    name,
    value: String(v[name]),
  }));
  if (v.rerate) out.push({ name: 'rerate', value: '1' });
  return out;
}

/** `datetime-local` values (no zone) are read as UTC; an explicit offset or Z is honoured. */
export function utcInstant(text: string, label: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  const iso = m ? `${m[1]}T${m[2]}${m[3] ?? ':00'}${m[5] ?? 'Z'}` : '';
  const ms = Date.parse(iso);
  if (!m || Number.isNaN(ms))
    throw new FormError(`${label}: enter a date and time (UTC), e.g. 2026-02-10T12:00.`);
  return new Date(ms).toISOString();
}

/** The form as `datetime-local` shows an instant: UTC, to the second. */
export function localValue(iso: string): string {
  return iso.slice(0, 19);
}

function requiredField(value: string, label: string): string {
  if (value === '') throw new FormError(`${label} is required.`);
  return value;
}

function tokenCost(v: CorrectionFormValues): TokenCost {
  return {
    inputPerMillion: requiredField(v.inputPerMillion, 'Input price'),
    cachedInputPerMillion: v.cachedPerMillion === '' ? null : v.cachedPerMillion,
    outputPerMillion: requiredField(v.outputPerMillion, 'Output price'),
  };
}

/** Builds the command; value checks (decimals, window order, id shape) are the decider's. */
export function correctionFromForm(v: CorrectionFormValues, actor: string, now: Date): CorrectionCommand {
  const common = {
    correctionId: requiredField(v.correctionId, 'Correction id'),
    from: utcInstant(requiredField(v.from, 'From'), 'From'),
    to: v.to === '' ? null : utcInstant(v.to, 'To'),
    reason: requiredField(v.reason, 'Reason'),
    rerate: v.rerate,
    actor,
    now: now.toISOString(),
  };
  if (v.kind === 'cost')
    return {
      type: 'CorrectCostProfile',
      ...common,
      providerId: requiredField(v.providerId, 'Provider id'),
      upstreamModel: requiredField(v.upstreamModel, 'Upstream model'),
      cost: tokenCost(v),
    };
  const price: SellPriceSpec =
    v.priceKind === 'markup'
      ? { kind: 'markup', markupPercent: requiredField(v.markupPercent, 'Markup percent') }
      : { kind: 'per_million', ...tokenCost(v) };
  return { type: 'CorrectPrice', ...common, alias: requiredField(v.alias, 'Alias'), price };
}
