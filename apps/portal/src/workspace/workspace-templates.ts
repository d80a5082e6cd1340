/** Customer workspace data pages, rendered inside the portal layout. No scripts; every input labelled. */

export const WORKSPACE_NAV_PARTIAL = `
<nav class="subnav" aria-label="Workspace sections">
  <ul>
    <li><a href="/w/{{ws.id}}/dashboard"{{#if (eq section "dashboard")}} aria-current="page"{{/if}}>Dashboard</a></li>
    <li><a href="/w/{{ws.id}}/requests"{{#if (eq section "requests")}} aria-current="page"{{/if}}>Requests</a></li>
    <li><a href="/w/{{ws.id}}/keys"{{#if (eq section "keys")}} aria-current="page"{{/if}}>API keys</a></li>
    <li><a href="/w/{{ws.id}}/billing"{{#if (eq section "billing")}} aria-current="page"{{/if}}>Billing</a></li>
    <li><a href="/w/{{ws.id}}/statement"{{#if (eq section "statement")}} aria-current="page"{{/if}}>Statement</a></li>
    <li><a href="/w/{{ws.id}}/alerts"{{#if (eq section "alerts")}} aria-current="page"{{/if}}>Alerts</a></li>
    <li><a href="/w/{{ws.id}}/limits"{{#if (eq section "limits")}} aria-current="page"{{/if}}>Limits</a></li>
    <li><a href="/w/{{ws.id}}">Members</a></li>
  </ul>
</nav>
{{#if error}}<div class="alert alert-error" role="alert">{{error}}</div>{{/if}}
{{#if notice}}<div class="alert alert-ok" role="status">{{notice}}</div>{{/if}}
`;

export const DASHBOARD_TEMPLATE = `
<h1>{{ws.name}}</h1>
{{> wsnav}}
{{#if lowBalance}}<div class="alert alert-error" role="alert" id="low-balance-banner">Low balance: your balance is below your alert threshold of {{lowBalance.threshold}} credits. <a href="/w/{{ws.id}}/billing">Buy credits</a> or <a href="/w/{{ws.id}}/alerts">change alerts</a>.</div>{{/if}}
<section aria-labelledby="balance-h">
  <h2 id="balance-h">Balance (credits)</h2>
  <div class="grid">
    <div class="card stat"><p class="muted">Available</p><p class="amount" id="balance-available">{{balance.available}}</p></div>
    <div class="card stat"><p class="muted">Leased to gateways</p><p class="amount" id="balance-leased">{{balance.leased}}</p></div>
    <div class="card stat"><p class="muted">Posted</p><p class="amount" id="balance-posted">{{balance.posted}}</p></div>
  </div>
  {{#if balance.overdraft}}<p class="muted">Overdraft limit: {{balance.overdraft}} credits.</p>{{/if}}
</section>
<section aria-labelledby="spend-h">
  <h2 id="spend-h">Spend per day by model, last {{chartDays}} days</h2>
  <div class="card">
    <p>Total: <strong>{{chart.totalCredits}}</strong> credits.</p>
    {{{chart.svg}}}
    {{#if chart.legend.length}}
    <ul class="legend" aria-label="Models">
      {{#each chart.legend}}<li><svg width="12" height="12" aria-hidden="true"><rect width="12" height="12" fill="{{colour}}"/></svg> {{model}}: {{totalCredits}}</li>{{/each}}
    </ul>
    {{else}}<p class="muted">No usage in this period yet.</p>{{/if}}
  </div>
  {{#if chart.days.length}}
  <details>
    <summary>Spend per day as a table</summary>
    <div class="table-wrap">
      <table class="stack">
        <thead><tr><th scope="col">Day</th><th scope="col">Model</th><th scope="col">Credits</th></tr></thead>
        <tbody>
          {{#each chart.days}}{{#each perModel}}
          <tr><td data-label="Day">{{../day}}</td><td data-label="Model">{{model}}</td><td data-label="Credits" class="num">{{credits}}</td></tr>
          {{/each}}{{/each}}
        </tbody>
      </table>
    </div>
  </details>
  {{/if}}
</section>
`;

export const REQUESTS_TEMPLATE = `
<h1>Requests</h1>
{{> wsnav}}
<form method="get" action="/w/{{ws.id}}/requests" class="card filters" aria-label="Filter requests">
  <div class="grid">
    <div><label for="f-key">API key</label>
      <select id="f-key" name="key"><option value="">Any key</option>{{#each keys}}<option value="{{id}}"{{#if selected}} selected{{/if}}>{{name}} ({{prefix}}…)</option>{{/each}}</select></div>
    <div><label for="f-model">Model</label>
      <input id="f-model" name="model" type="text" list="f-models" value="{{filter.model}}" autocomplete="off">
      <datalist id="f-models">{{#each facets.models}}<option value="{{this}}">{{/each}}</datalist></div>
    <div><label for="f-status">Status</label>
      <select id="f-status" name="status"><option value="">Any status</option>{{#each statuses}}<option value="{{value}}"{{#if selected}} selected{{/if}}>{{value}}</option>{{/each}}</select></div>
    <div><label for="f-from">From (UTC day)</label><input id="f-from" name="from" type="date" value="{{filter.from}}"></div>
    <div><label for="f-to">To (UTC day, inclusive)</label><input id="f-to" name="to" type="date" value="{{filter.to}}"></div>
  </div>
  <p><button type="submit">Apply filters</button> <a href="/w/{{ws.id}}/requests">Clear</a></p>
</form>
<div class="table-wrap">
  <table class="stack" id="request-log">
    <caption class="muted">Page {{filter.page}}, newest first. Cost and balance impact in credits.</caption>
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Key</th><th scope="col">Tokens in / out</th><th scope="col">Status</th><th scope="col">Cost</th><th scope="col">Balance impact</th><th scope="col">Request id</th></tr></thead>
    <tbody>
      {{#each rows}}
      <tr><td data-label="Time">{{time}}</td><td data-label="Model">{{model}}{{#if alias}} <span class="muted">via {{alias}}</span>{{/if}}</td><td data-label="Provider">{{provider}}</td><td data-label="Key">{{keyName}}</td><td data-label="Tokens" class="num">{{promptTokens}} / {{completionTokens}}{{#if estimated}} <abbr title="estimated by tokenizer">est.</abbr>{{/if}}</td><td data-label="Status">{{status}}</td><td data-label="Cost" class="num">{{price}}</td><td data-label="Balance impact" class="num">{{impact}}</td><td data-label="Request id"><code>{{requestId}}</code></td></tr>
      {{else}}
      <tr><td colspan="9">No requests match.</td></tr>
      {{/each}}
    </tbody>
  </table>
</div>
<nav aria-label="Pages" class="pager">
  {{#if prevHref}}<a href="{{prevHref}}" rel="prev">Newer</a>{{/if}}
  {{#if nextHref}}<a href="{{nextHref}}" rel="next">Older</a>{{/if}}
</nav>
`;

export const KEYS_TEMPLATE = `
<h1>API keys</h1>
{{> wsnav}}
{{#if created}}
<div class="alert alert-ok" role="status">
  <p>Key <strong>{{created.name}}</strong> created. Copy the secret now: it is shown only once.</p>
  <p><code class="secret" id="new-key-secret">{{created.secret}}</code></p>
</div>
{{/if}}
<div class="table-wrap">
  <table class="stack">
    <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Models</th><th scope="col">Spend limit / spent</th><th scope="col">Rate limits</th><th scope="col">Created</th><th scope="col">State</th>{{#if canManage}}<th scope="col"><span class="visually-hidden">Actions</span></th>{{/if}}</tr></thead>
    <tbody>
      {{#each keys}}
      <tr><td data-label="Name">{{name}}</td><td data-label="Prefix"><code>{{prefix}}…</code></td><td data-label="Models">{{models}}</td><td data-label="Spend">{{limit}} / {{spent}}</td><td data-label="Rate limits">{{rates}}</td><td data-label="Created">{{created}}</td><td data-label="State">{{#if revoked}}revoked {{revoked}}{{else}}active{{/if}}</td>{{#if ../canManage}}<td>{{#unless revoked}}
        <form method="post" action="/w/{{../ws.id}}/keys/{{id}}/revoke" class="inline">
          <input type="hidden" name="_csrf" value="{{../csrfToken}}">
          <button type="submit" class="button-quiet" aria-label="Revoke key {{name}}">Revoke</button>
        </form>{{/unless}}</td>{{/if}}</tr>
      {{else}}
      <tr><td colspan="8">No keys yet.</td></tr>
      {{/each}}
    </tbody>
  </table>
</div>
{{#if canManage}}
<section class="card" aria-labelledby="new-key-h">
  <h2 id="new-key-h">Create a key</h2>
  <form method="post" action="/w/{{ws.id}}/keys">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="key-name">Name</label>
    <input id="key-name" name="name" type="text" required maxlength="200" value="{{form.name}}">
    <label for="key-models">Allowed models (comma-separated; empty = all)</label>
    <input id="key-models" name="allowedModels" type="text" maxlength="2000" value="{{form.allowedModels}}" aria-describedby="key-models-hint">
    <p class="muted" id="key-models-hint">Model names exactly as clients send them in <code>model</code>{{#if exampleModel}}, e.g. {{exampleModel}}{{/if}}.</p>
    <label for="key-limit">Spend limit in credits (empty = none)</label>
    <input id="key-limit" name="spendLimitCredits" type="text" inputmode="decimal" maxlength="40" value="{{form.spendLimitCredits}}">
    <label for="key-rpm">Requests per minute (empty = no limit)</label>
    <input id="key-rpm" name="requestsPerMinute" type="text" inputmode="numeric" maxlength="9" value="{{form.requestsPerMinute}}">
    <label for="key-tpm">Tokens per minute (empty = no limit)</label>
    <input id="key-tpm" name="tokensPerMinute" type="text" inputmode="numeric" maxlength="12" value="{{form.tokensPerMinute}}">
    <p><button type="submit">Create key</button></p>
  </form>
</section>
{{/if}}
`;

export const BILLING_TEMPLATE = `
<h1>Billing</h1>
{{> wsnav}}
<section aria-labelledby="packages-h">
  <h2 id="packages-h">Credit packages</h2>
  {{#unless profile}}<p class="alert alert-error" role="status">Fill in the billing profile below to see prices with tax and to buy credits.</p>{{/unless}}
  <div class="grid">
    {{#each packages}}
    <div class="card package">
      <h3>{{name}}</h3>
      <p>{{credits}} credits{{#if bonus}} (incl. {{bonus}} bonus){{/if}}</p>
      {{#if description}}<p class="muted">{{description}}</p>{{/if}}
      {{#if quote}}
      <dl class="quote">
        <dt>Net</dt><dd>{{quote.net}}</dd>
        <dt>Tax{{#if quote.rate}} ({{quote.taxType}} {{quote.rate}}%){{/if}}</dt><dd>{{quote.tax}}</dd>
        <dt>Total</dt><dd><strong>{{quote.gross}}</strong></dd>
      </dl>
      {{#if quote.note}}<p class="muted">{{quote.note}}</p>{{/if}}
      {{else}}{{#if quoteError}}<p class="muted">{{quoteError}}</p>{{else}}<p>{{price}} {{#if inclusive}}incl. tax{{else}}plus tax{{/if}}</p>{{/if}}{{/if}}
      {{#if ../canBuy}}{{#if quote}}
      <form method="post" action="/w/{{../ws.id}}/billing/buy">
        <input type="hidden" name="_csrf" value="{{../csrfToken}}">
        <input type="hidden" name="packageId" value="{{packageId}}">
        <input type="hidden" name="idempotencyKey" value="{{idempotencyKey}}">
        <button type="submit" aria-label="Buy {{name}} for {{quote.gross}}">{{#if manual}}Order (pay by transfer){{else}}Buy{{/if}}</button>
      </form>
      {{/if}}{{/if}}
    </div>
    {{else}}
    <p class="muted">No packages on sale.</p>
    {{/each}}
  </div>
  {{#if refundPolicy}}<p class="muted">{{refundPolicy}}</p>{{/if}}
</section>
<section aria-labelledby="orders-h">
  <h2 id="orders-h">Orders</h2>
  <div class="table-wrap">
    <table class="stack" id="orders">
      <thead><tr><th scope="col">Created (UTC)</th><th scope="col">Package</th><th scope="col">Credits</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">Order</th></tr></thead>
      <tbody>
        {{#each orders}}
        <tr><td data-label="Created">{{created}}</td><td data-label="Package">{{packageName}}</td><td data-label="Credits" class="num">{{credits}}</td><td data-label="Total" class="num">{{gross}}</td><td data-label="Status"><span class="badge">{{status}}</span></td><td data-label="Order"><code>{{orderId}}</code></td></tr>
        {{else}}
        <tr><td colspan="6">No orders yet.</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
<section aria-labelledby="invoices-h">
  <h2 id="invoices-h">Invoices</h2>
  <div class="table-wrap">
    <table class="stack" id="invoices">
      <thead><tr><th scope="col">Number</th><th scope="col">Issued</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">PDF</th></tr></thead>
      <tbody>
        {{#each invoices}}
        <tr><td data-label="Number">{{number}}</td><td data-label="Issued">{{issueDate}}</td><td data-label="Total" class="num">{{gross}}</td><td data-label="Status">{{status}}</td><td data-label="PDF"><a href="/w/{{../ws.id}}/invoices/{{invoiceId}}/pdf" download aria-label="Download invoice {{number}} as PDF">Download</a></td></tr>
        {{else}}
        <tr><td colspan="5">No invoices yet. An invoice is issued for every paid order.</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
<section class="card" aria-labelledby="profile-h">
  <h2 id="profile-h">Billing profile</h2>
  {{#if canBuy}}
  <form method="post" action="/w/{{ws.id}}/billing/profile">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="bp-name">Legal name</label>
    <input id="bp-name" name="legalName" type="text" required maxlength="200" autocomplete="organization" value="{{profileForm.legalName}}">
    <label for="bp-address1">Address</label>
    <input id="bp-address1" name="address1" type="text" required maxlength="200" autocomplete="address-line1" value="{{profileForm.address1}}">
    <label for="bp-address2">Address line 2 (optional)</label>
    <input id="bp-address2" name="address2" type="text" maxlength="200" autocomplete="address-line2" value="{{profileForm.address2}}">
    <label for="bp-postal">Postal code</label>
    <input id="bp-postal" name="postalCode" type="text" maxlength="20" autocomplete="postal-code" value="{{profileForm.postalCode}}">
    <label for="bp-city">City</label>
    <input id="bp-city" name="city" type="text" required maxlength="100" autocomplete="address-level2" value="{{profileForm.city}}">
    <label for="bp-region">State / province / region (optional)</label>
    <input id="bp-region" name="region" type="text" maxlength="100" autocomplete="address-level1" value="{{profileForm.region}}">
    <label for="bp-country">Country (two-letter code, e.g. DE, US)</label>
    <input id="bp-country" name="country" type="text" required maxlength="2" autocomplete="country" value="{{profileForm.country}}">
    <label for="bp-vat">VAT / GST id (optional)</label>
    <input id="bp-vat" name="vatId" type="text" maxlength="40" value="{{profileForm.vatId}}">
    <label for="bp-email">Invoice email</label>
    <input id="bp-email" name="invoiceEmail" type="email" required maxlength="320" autocomplete="email" value="{{profileForm.invoiceEmail}}">
    <p><button type="submit">Save billing profile</button></p>
  </form>
  {{else}}
  {{#if profile}}<p>{{profile.legalName}}, {{profile.city}}, {{profile.country}}{{#if profile.vatId}}, VAT {{profile.vatId}}{{/if}}</p>{{else}}<p class="muted">No billing profile yet.</p>{{/if}}
  <p class="muted">Owners and billing members can change it.</p>
  {{/if}}
</section>
`;

export const STATEMENT_TEMPLATE = `
<h1>Statement</h1>
{{> wsnav}}
<form method="get" action="/w/{{ws.id}}/statement" class="card" aria-label="Statement period">
  <div class="grid">
    <div><label for="s-from">From (UTC day)</label><input id="s-from" name="from" type="date" value="{{period.from}}" required></div>
    <div><label for="s-to">To (UTC day, inclusive)</label><input id="s-to" name="to" type="date" value="{{period.to}}" required></div>
  </div>
  <p><button type="submit">Show</button> <a href="{{csvHref}}" download>Download CSV</a></p>
</form>
<p>Opening balance: <strong id="opening">{{opening}}</strong> credits · Closing balance: <strong id="closing">{{closing}}</strong> credits{{#if truncated}} (of the lines shown){{/if}}</p>
{{#if truncated}}<p class="alert alert-error" role="status">Only the first {{pageLines}} lines are shown; the CSV has all of them.</p>{{/if}}
<div class="table-wrap">
  <table class="stack" id="statement">
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Type</th><th scope="col">Description</th><th scope="col">Reference</th><th scope="col">Credits in</th><th scope="col">Credits out</th><th scope="col">Balance</th></tr></thead>
    <tbody>
      {{#each lines}}
      <tr><td data-label="Time">{{time}}</td><td data-label="Type">{{type}}</td><td data-label="Description">{{description}}</td><td data-label="Reference"><code>{{reference}}</code></td><td data-label="In" class="num">{{in}}</td><td data-label="Out" class="num">{{out}}</td><td data-label="Balance" class="num">{{balance}}</td></tr>
      {{else}}
      <tr><td colspan="7">No lines in this period.</td></tr>
      {{/each}}
    </tbody>
  </table>
</div>
`;
