import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import {
  formatCreditsTrimmed,
  formatMoney,
  nanocreditsFromString,
  moneyFromMinorString,
} from '@tollgate/money';
import type { CreditNoteDocument, InvoiceDocument } from './document';
import { DEFAULT_TEMPLATES, PARTIAL_NAMES, type TemplateName } from './default-templates';

export const TEMPLATES_DIR_ENV = 'TOLLGATE_TEMPLATES_DIR';
const MAX_TEMPLATE_BYTES = 512 * 1024;

const COUNTRY_NAMES = new Intl.DisplayNames(['en'], { type: 'region' });

export interface TemplateSource {
  name: TemplateName;
  /** Where it came from: 'default' or the override file's path. */
  origin: string;
  text: string;
}

/** Reads one template: the operator's file in `dir` wins over the shipped default. */
export function loadTemplateSource(name: TemplateName, dir: string | undefined): TemplateSource {
  if (dir) {
    const file = join(dir, `${name}.hbs`);
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES)
        throw new Error(`template ${file} is larger than ${MAX_TEMPLATE_BYTES} bytes`);
      return { name, origin: file, text };
    }
  }
  return { name, origin: 'default', text: DEFAULT_TEMPLATES[name] };
}

/** Writes the shipped templates into `dir` as a starting point for an operator; never overwrites. */
export function writeDefaultTemplates(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(DEFAULT_TEMPLATES)) {
    const file = join(dir, `${name}.hbs`);
    if (existsSync(file)) continue;
    writeFileSync(file, text.trimStart());
    written.push(file);
  }
  return written;
}

/**
 * Compiled invoice and credit-note templates in their own Handlebars environment, with helpers:
 * `money minorUnits currency` (exact, currency decimals), `credits nanocredits`, `country code`, `eq`.
 */
export class InvoiceTemplates {
  private readonly invoiceTemplate: Handlebars.TemplateDelegate;
  private readonly creditNoteTemplate: Handlebars.TemplateDelegate;
  readonly sources: readonly TemplateSource[];

  constructor(options: { dir?: string } = {}) {
    const dir = options.dir ?? process.env[TEMPLATES_DIR_ENV] ?? undefined;
    const hb = Handlebars.create();
    hb.registerHelper('money', (minor: unknown, currency: unknown) =>
      formatMoney(moneyFromMinorString(String(minor), String(currency))),
    );
    hb.registerHelper('credits', (nanos: unknown) =>
      formatCreditsTrimmed(nanocreditsFromString(String(nanos))),
    );
    hb.registerHelper('country', (code: unknown) => {
      const text = String(code);
      return /^[A-Z]{2}$/.test(text) ? (COUNTRY_NAMES.of(text) ?? text) : text;
    });
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    const sources = (['styles', 'party', 'invoice', 'credit-note'] as const).map((n) =>
      loadTemplateSource(n, dir),
    );
    for (const s of sources) if (PARTIAL_NAMES.includes(s.name)) hb.registerPartial(s.name, s.text);
    const compile = (name: TemplateName) =>
      hb.compile(sources.find((s) => s.name === name)?.text ?? '', { strict: false, noEscape: false });
    this.invoiceTemplate = compile('invoice');
    this.creditNoteTemplate = compile('credit-note');
    this.sources = sources;
  }

  renderInvoice(doc: InvoiceDocument): string {
    return this.invoiceTemplate(doc);
  }

  renderCreditNote(doc: CreditNoteDocument): string {
    return this.creditNoteTemplate(doc);
  }
}
