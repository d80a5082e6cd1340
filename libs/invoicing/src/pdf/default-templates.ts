/**
 * Default Handlebars templates, shipped inside the code so the compiled app needs no extra files.
 * Operators override any of them by putting a file of the same name (`invoice.hbs`, `credit-note.hbs`,
 * `styles.hbs`, `party.hbs`) in TOLLGATE_TEMPLATES_DIR. `{{…}}` escapes HTML; buyer data is user input.
 */

const styles = `
<style>
  @page { size: A4; margin: 18mm 16mm; }
  body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10pt; color: #111; }
  h1 { font-size: 20pt; margin: 0 0 4mm 0; }
  .meta td { padding: 0 6mm 1mm 0; }
  .parties { display: flex; justify-content: space-between; margin: 8mm 0; }
  .party { width: 48%; }
  .party h2 { font-size: 9pt; text-transform: uppercase; color: #555; margin: 0 0 2mm 0; }
  table.items { width: 100%; border-collapse: collapse; margin-top: 4mm; }
  table.items th { text-align: left; border-bottom: 1px solid #333; padding: 2mm 1mm; }
  table.items td { border-bottom: 1px solid #ddd; padding: 2mm 1mm; }
  .num { text-align: right; white-space: nowrap; }
  .totals { margin-left: auto; margin-top: 6mm; border-collapse: collapse; }
  .totals td { padding: 1mm 2mm; }
  .totals .grand td { font-weight: bold; border-top: 1px solid #333; }
  .note { margin-top: 8mm; padding: 3mm; border: 1px solid #999; }
  .void { color: #b00; font-size: 16pt; font-weight: bold; border: 2px solid #b00; padding: 2mm; display: inline-block; }
  footer { margin-top: 12mm; font-size: 8pt; color: #555; }
</style>`;

const party = `
<div class="party">
  <h2>{{title}}</h2>
  <div>{{p.legalName}}</div>
  {{#each p.addressLines}}<div>{{this}}</div>{{/each}}
  <div>{{#if p.postalCode}}{{p.postalCode}} {{/if}}{{p.city}}</div>
  <div>{{country p.country}}</div>
  {{#if p.vatId}}<div>VAT ID: {{p.vatId}}</div>{{/if}}
  {{#if p.email}}<div>{{p.email}}</div>{{/if}}
</div>`;

const invoice = `<!doctype html>
<html><head><meta charset="utf-8"><title>Invoice {{number}}</title>{{> styles}}</head>
<body>
  <h1>Invoice</h1>
  {{#if (eq status "voided")}}<div class="void">VOID{{#if voidReason}}: {{voidReason}}{{/if}}</div>{{/if}}
  <table class="meta">
    <tr><td>Invoice number</td><td>{{number}}</td></tr>
    <tr><td>Issue date</td><td>{{issueDate}}</td></tr>
    <tr><td>Order</td><td>{{orderId}}</td></tr>
  </table>
  <div class="parties">
    {{> party title="Seller" p=seller}}
    {{> party title="Bill to" p=buyer}}
  </div>
  <table class="items">
    <thead><tr><th>Description</th><th class="num">Credits</th><th class="num">Qty</th><th class="num">VAT rate</th><th class="num">Net ({{currency}})</th></tr></thead>
    <tbody>
    {{#each lines}}
      <tr><td>{{description}}</td><td class="num">{{credits creditsNanocredits}}</td><td class="num">{{quantity}}</td><td class="num">{{ratePercent}}%</td><td class="num">{{money netMinor ../currency}}</td></tr>
    {{/each}}
    </tbody>
  </table>
  <table class="items">
    <thead><tr><th>Tax</th><th class="num">Rate</th><th class="num">Taxable amount</th><th class="num">Tax</th></tr></thead>
    <tbody>
    {{#each tax.breakdown}}
      <tr><td>{{label}}</td><td class="num">{{ratePercent}}%</td><td class="num">{{money netMinor ../currency}} {{../currency}}</td><td class="num">{{money taxMinor ../currency}} {{../currency}}</td></tr>
    {{/each}}
    </tbody>
  </table>
  <table class="totals">
    <tr><td>Net total</td><td class="num">{{money tax.netMinor currency}} {{currency}}</td></tr>
    <tr><td>Tax total</td><td class="num">{{money tax.taxMinor currency}} {{currency}}</td></tr>
    <tr class="grand"><td>Total due</td><td class="num">{{money tax.grossMinor currency}} {{currency}}</td></tr>
  </table>
  <div>Paid in full. Credits are prepaid and non-transferable.</div>
  {{#if tax.reverseCharge}}<div class="note">{{#if tax.legalNote}}{{tax.legalNote}}{{else}}Reverse charge: VAT to be accounted for by the recipient.{{/if}}</div>
  {{else}}{{#if tax.legalNote}}<div class="note">{{tax.legalNote}}</div>{{/if}}{{/if}}
  {{#if creditNotes.length}}
  <div class="note">Credit notes issued against this invoice:
    {{#each creditNotes}}<div>{{number}} of {{issueDate}}: {{money grossMinor ../currency}} {{../currency}}</div>{{/each}}
  </div>
  {{/if}}
  <footer>{{seller.legalName}}{{#if seller.vatId}} · VAT ID {{seller.vatId}}{{/if}}{{#if seller.footer}}<br>{{seller.footer}}{{/if}}</footer>
</body></html>`;

const creditNote = `<!doctype html>
<html><head><meta charset="utf-8"><title>Credit note {{number}}</title>{{> styles}}</head>
<body>
  <h1>Credit note</h1>
  <table class="meta">
    <tr><td>Credit note number</td><td>{{number}}</td></tr>
    <tr><td>Issue date</td><td>{{issueDate}}</td></tr>
    <tr><td>Corrects invoice</td><td>{{invoiceNumber}} of {{invoiceIssueDate}}</td></tr>
  </table>
  <div class="parties">
    {{> party title="Seller" p=seller}}
    {{> party title="Bill to" p=buyer}}
  </div>
  <table class="items">
    <thead><tr><th>Description</th><th class="num">Net ({{currency}})</th></tr></thead>
    <tbody><tr><td>Refund{{#if reason}}: {{reason}}{{/if}} (ref. {{refundId}})</td><td class="num">-{{money netMinor currency}}</td></tr></tbody>
  </table>
  <table class="totals">
    <tr><td>Net credited</td><td class="num">-{{money netMinor currency}} {{currency}}</td></tr>
    <tr><td>Tax credited ({{taxLabel}})</td><td class="num">-{{money taxMinor currency}} {{currency}}</td></tr>
    <tr class="grand"><td>Total credited</td><td class="num">-{{money grossMinor currency}} {{currency}}</td></tr>
  </table>
  {{#if reverseCharge}}<div class="note">{{#if legalNote}}{{legalNote}}{{else}}Reverse charge: VAT to be accounted for by the recipient.{{/if}}</div>{{/if}}
  <footer>{{seller.legalName}}{{#if seller.vatId}} · VAT ID {{seller.vatId}}{{/if}}{{#if seller.footer}}<br>{{seller.footer}}{{/if}}</footer>
</body></html>`;

export const DEFAULT_TEMPLATES: Readonly<Record<TemplateName, string>> = {
  styles,
  party,
  invoice,
  'credit-note': creditNote,
};

export type TemplateName = 'styles' | 'party' | 'invoice' | 'credit-note';
export const PARTIAL_NAMES: readonly TemplateName[] = ['styles', 'party'];
