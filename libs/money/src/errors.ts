/** Stable codes for money errors; the ledger maps them onto its own DomainErrors where needed. */
export type MoneyErrorCode =
  | 'INVALID_DECIMAL'
  | 'TOO_MANY_DECIMALS'
  | 'NEGATIVE_NOT_ALLOWED'
  | 'INVALID_INTEGER'
  | 'UNKNOWN_CURRENCY'
  | 'CURRENCY_MISMATCH'
  | 'INVALID_TOKENS'
  | 'DIVISION_BY_ZERO';

export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

export function isMoneyError(value: unknown): value is MoneyError {
  return value instanceof MoneyError;
}
