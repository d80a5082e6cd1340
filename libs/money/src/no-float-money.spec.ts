import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A practical (not perfect) guard: money and ledger sources must not do float arithmetic on amounts.
 * It flags parseFloat/toFixed anywhere, and Number(...)/parseInt/Math.round-style calls or decimal
 * literals in * or / on lines that mention amount-ish identifiers.
 */
const ROOT = join(__dirname, '..', '..', '..');
const SCANNED = ['libs/money/src', 'libs/ledger/src', 'libs/ledger-nest/src'];
const SELF = relative(ROOT, __filename);

const MONEYISH =
  /(amount|credit|price|cost|nano|minor|balance|spent|released|overdraft|fee|tax|money|charge)/i;

interface Finding {
  file: string;
  line: number;
  rule: string;
  text: string;
}

const RULES: Array<{ rule: string; test: (code: string) => boolean }> = [
  { rule: 'parseFloat', test: (c) => /\bparseFloat\s*\(/.test(c) },
  { rule: 'toFixed/toPrecision', test: (c) => /\.(toFixed|toPrecision)\s*\(/.test(c) },
  {
    rule: 'Number() on an amount',
    test: (c) => [...c.matchAll(/\bNumber\s*\(([^)]*)\)/g)].some((m) => MONEYISH.test(m[1])),
  },
  { rule: 'parseInt near an amount', test: (c) => /\bparseInt\s*\(/.test(c) && MONEYISH.test(c) },
  {
    rule: 'Math rounding near an amount',
    test: (c) => /\bMath\.(round|floor|ceil|trunc|pow)\s*\(/.test(c) && MONEYISH.test(c),
  },
  {
    rule: 'float literal arithmetic near an amount',
    test: (c) => /[*/]\s*\d+\.\d+/.test(c) && MONEYISH.test(c),
  },
  {
    rule: 'unary plus on an amount',
    test: (c) => /(^|[=(,:]\s*)\+\s*[A-Za-z_.]*(amount|price|cost|credit)/i.test(c),
  },
];

/** Drops comments and string literal contents so prose like "0.15 credits" does not trip a rule. */
function codeOnly(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) return '';
  return line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '""').replace(/\/\/.*$/, '');
}

export function scanSource(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  source.split('\n').forEach((raw, i) => {
    const c = codeOnly(raw);
    if (!c) return;
    for (const r of RULES)
      if (r.test(c)) findings.push({ file, line: i + 1, rule: r.rule, text: raw.trim() });
  });
  return findings;
}

function listTs(dir: string, out: string[] = [], depth = 0): string[] {
  if (depth > 10) return out;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listTs(full, out, depth + 1);
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

describe('no float arithmetic on money', () => {
  it('given the scanner, when fed known float-on-money code, then it flags each', () => {
    const bad = [
      'const x = parseFloat(amountText);',
      'const n = Number(amountNanocredits);',
      'const r = Math.round(priceNanocredits / 3);',
      'const c = costCredits * 1.2;',
      'const v = (+amount) / 2;',
      'const s = credits.toFixed(2);',
    ];
    for (const line of bad) expect(scanSource('x.ts', line).length).toBeGreaterThan(0);
    expect(scanSource('x.ts', "// Math.round(amount) in a comment\nconst t = 'parseFloat(amount)';")).toEqual(
      [],
    );
  });

  it('given money, ledger and ledger-nest sources, when scanned, then nothing is flagged', () => {
    const findings: Finding[] = [];
    for (const dir of SCANNED) {
      for (const file of listTs(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        if (rel === SELF) continue;
        findings.push(...scanSource(rel, readFileSync(file, 'utf8')));
      }
    }
    expect(findings).toEqual([]);
  });
});
