import { DomainError } from '@tollgate/event-store';
import {
  adminErrorStatus,
  adminErrorText,
  FormError,
  intField,
  positiveCredits,
  requiredText,
  textField,
} from './admin-forms';

describe('admin form fields', () => {
  it('given credit text, then it is exact nanocredits; zero, negatives, exponents, >9 decimals and absurd amounts are refused with the label', () => {
    expect(positiveCredits('12.345', 'Credits')).toBe(12_345_000_000n);
    expect(positiveCredits('0.000000001', 'Credits')).toBe(1n);
    expect(positiveCredits('1000000', 'Credits')).toBe(1_000_000_000_000_000n);
    expect(() => positiveCredits('0', 'Credits')).toThrow(new FormError('Credits must be more than zero.'));
    expect(() => positiveCredits('-5', 'Credits')).toThrow('Credits must be more than zero.');
    expect(() => positiveCredits('1e3', 'Credits')).toThrow(
      'Credits: enter a number of credits with at most 9 decimals.',
    );
    expect(() => positiveCredits('0.0000000001', 'Credits')).toThrow('at most 9 decimals');
    expect(() => positiveCredits('1000000.000000001', 'Credits')).toThrow(
      'Credits may be at most 1,000,000 credits.',
    );
  });

  it('given whole-number fields, then empty takes the default, and anything else must be digits within the bounds', () => {
    expect(intField('', 'Weight', 0, 10, 1)).toBe(1);
    expect(intField('7', 'Weight', 0, 10)).toBe(7);
    expect(() => intField('', 'Priority', 0, 10)).toThrow('Priority is required.');
    expect(() => intField('1.5', 'Weight', 0, 10)).toThrow('Weight must be a whole number.');
    expect(() => intField('-1', 'Weight', 0, 10)).toThrow('Weight must be a whole number.');
    expect(() => intField('11', 'Weight', 0, 10)).toThrow('Weight must be between 0 and 10.');
  });

  it('given a required text field, then blanks are refused and long text is refused, not cut', () => {
    expect(requiredText({ reason: '  goodwill ' }, 'reason', 'Reason')).toBe('goodwill');
    expect(() => requiredText({ reason: '   ' }, 'reason', 'Reason')).toThrow('Reason is required.');
    expect(() => requiredText({}, 'reason', 'Reason')).toThrow('Reason is required.');
    expect(() => requiredText({ reason: 'x'.repeat(11) }, 'reason', 'Reason', 10)).toThrow(
      'Reason may have at most 10 characters.',
    );
  });

  it('given errors from the write side, then domain and form errors are shown with a fitting status; anything else is not ours to show', () => {
    expect(adminErrorText(new FormError('Choose a provider.'))).toBe('Choose a provider.');
    expect(adminErrorStatus(new FormError('x'))).toBe(400);
    expect(adminErrorStatus(new DomainError('PROVIDER_NOT_FOUND', 'no provider'))).toBe(404);
    expect(adminErrorStatus(new DomainError('INVALID_STATUS_TRANSITION', 'no'))).toBe(400);
    expect(adminErrorStatus(new DomainError('ORDER_NOT_OPEN', 'no'))).toBe(409);
    expect(adminErrorText(Object.assign(new Error('dup'), { code: '23505' }))).toBe(
      'That name is already taken.',
    );
    expect(adminErrorStatus(Object.assign(new Error('dup'), { code: '23505' }))).toBe(409);
    expect(adminErrorText(new Error('connection reset'))).toBeNull();
  });
});

describe('textField', () => {
  it('given a long provider key, then it is read whole (limits are checked, never cut)', () => {
    const key = 'k'.repeat(3000);
    expect(requiredText({ apiKey: key }, 'apiKey', 'API key', 4096)).toBe(key);
    expect(() => requiredText({ apiKey: 'k'.repeat(4097) }, 'apiKey', 'API key', 4096)).toThrow(
      'API key may have at most 4096 characters.',
    );
    expect(textField({ name: ['a', 'b'] }, 'name')).toBe('');
  });
});
