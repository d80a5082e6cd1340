import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LEDGER_ERROR_CODES } from './errors';

describe('rejection coverage', () => {
  it('given every ledger error code a decider can return, then some decider spec asserts it with thenThrows', () => {
    const specs = ['accounts/decider.spec.ts', 'usage/decider.spec.ts']
      .map((f) => readFileSync(join(__dirname, f), 'utf8'))
      .join('\n');
    const uncovered = LEDGER_ERROR_CODES.filter(
      (code) => code !== 'MALFORMED_EVENT' && !specs.includes(`thenThrows('${code}'`),
    );
    expect(uncovered).toEqual([]);
  });
});
