/**
 * The operator's admin pages, rendered inside the portal layout. Every input has a label; errors are
 * announced (role=alert); tables stack on a phone. Only the projections page has a script (progress).
 */

export const ADMIN_NAV_PARTIAL = `
<nav class="subnav" aria-label="Admin sections">
  <ul>
    <li><a href="/admin"{{#if (eq section "workspaces")}} aria-current="page"{{/if}}>Workspaces</a></li>
    <li><a href="/admin/providers"{{#if (eq section "providers")}} aria-current="page"{{/if}}>Providers</a></li>
    <li><a href="/admin/prices"{{#if (eq section "prices")}} aria-current="page"{{/if}}>Costs &amp; prices</a></li>
    <li><a href="/admin/aliases"{{#if (eq section "aliases")}} aria-current="page"{{/if}}>Aliases &amp; routing</a></li>
    <li><a href="/admin/margins"{{#if (eq section "margins")}} aria-current="page"{{/if}}>Margin review</a></li>
    <li><a href="/admin/orders"{{#if (eq section "orders")}} aria-current="page"{{/if}}>Payments</a></li>
    <li><a href="/admin/projections"{{#if (eq section "projections")}} aria-current="page"{{/if}}>Projections</a></li>
    <li><a href="/admin/audit"{{#if (eq section "audit")}} aria-current="page"{{/if}}>Audit log</a></li>
  </ul>
</nav>
{{#if error}}<div class="alert alert-error" role="alert" id="form-error">{{error}}</div>{{/if}}
{{#if notice}}<div class="alert alert-ok" role="status">{{notice}}</div>{{/if}}
`;

export const ADMIN_WORKSPACE_TEMPLATE = `
<h1>{{ws.name}}</h1>
{{> adminnav}}
<p class="muted">Workspace <code>{{ws.id}}</code>, created {{ws.createdAt}}. <a href="/admin">All workspaces</a></p>
<p><a href="/admin/workspaces/{{ws.id}}/limits" id="workspace-limits-link">Provider policy and quotas</a></p>
<section aria-labelledby="bal-h">
  <h2 id="bal-h">Balance (credits)</h2>
  <div class="grid">
    <div class="card stat"><p class="muted">Available</p><p class="amount" id="balance-available">{{balance.available}}</p></div>
    <div class="card stat"><p class="muted">Leased to gateways</p><p class="amount" id="balance-leased">{{balance.leased}}</p></div>
    <div class="card stat"><p class="muted">Posted</p><p class="amount" id="balance-posted">{{balance.posted}}</p></div>
  </div>
</section>
<section class="card" aria-labelledby="grant-h">
  <h2 id="grant-h">Grant credits</h2>
  <form method="post" action="/admin/workspaces/{{ws.id}}/grants">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <input type="hidden" name="grantId" value="{{grantId}}">
    <label for="grant-amount">Credits</label>
    <input id="grant-amount" name="credits" type="text" inputmode="decimal" required maxlength="40" placeholder="10.5" value="{{form.credits}}" aria-describedby="grant-hint">
    <p class="muted" id="grant-hint">A positive number, at most 9 decimals. Posted to the balance at once, as its own ledger entry.</p>
    <label for="grant-kind">Kind</label>
    <select id="grant-kind" name="kind">
      <option value="manual"{{#if (eq form.kind "manual")}} selected{{/if}}>Manual (goodwill, correction)</option>
      <option value="promotional"{{#if (eq form.kind "promotional")}} selected{{/if}}>Promotional</option>
    </select>
    <label for="grant-reason">Reason</label>
    <input id="grant-reason" name="reason" type="text" required maxlength="500" value="{{form.reason}}">
    <p><button type="submit">Grant credits</button></p>
  </form>
</section>
<section aria-labelledby="members-h">
  <h2 id="members-h">Members</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th></tr></thead>
      <tbody>
        {{#each members}}<tr><td data-label="Name">{{displayName}}</td><td data-label="Email">{{email}}</td><td data-label="Role">{{role}}</td></tr>
        {{else}}<tr><td colspan="3">No members.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
<section aria-labelledby="keys-h">
  <h2 id="keys-h">API keys</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Spent</th><th scope="col">Limit</th><th scope="col">Created</th><th scope="col">Status</th></tr></thead>
      <tbody>
        {{#each keys}}<tr><td data-label="Name">{{name}}</td><td data-label="Prefix"><code>{{prefix}}…</code></td><td data-label="Spent" class="num">{{spent}}</td><td data-label="Limit" class="num">{{limit}}</td><td data-label="Created">{{createdAt}}</td><td data-label="Status">{{status}}</td></tr>
        {{else}}<tr><td colspan="6">No API keys.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
<section aria-labelledby="req-h">
  <h2 id="req-h">Recent requests</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">When (UTC)</th><th scope="col">Model</th><th scope="col">Provider</th><th scope="col">Tokens in / out</th><th scope="col">Price</th><th scope="col">Status</th></tr></thead>
      <tbody>
        {{#each requests}}<tr><td data-label="When">{{occurredAt}}</td><td data-label="Model">{{model}}</td><td data-label="Provider">{{provider}}</td><td data-label="Tokens" class="num">{{promptTokens}} / {{completionTokens}}</td><td data-label="Price" class="num">{{price}}</td><td data-label="Status">{{status}}</td></tr>
        {{else}}<tr><td colspan="6">No requests yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const ADMIN_PROVIDERS_TEMPLATE = `
<h1>Providers</h1>
{{> adminnav}}
<p class="muted">Upstream OpenAI-compatible endpoints. Keys are stored encrypted and never shown again, here or anywhere.</p>
<section aria-labelledby="prov-h">
  <h2 id="prov-h">Providers</h2>
  {{#each providers}}
  <article class="card" aria-labelledby="prov-{{@index}}-h" data-provider-name="{{name}}">
    <h3 id="prov-{{@index}}-h">{{name}}</h3>
    <dl class="quote">
      <dt>Id</dt><dd><code>{{id}}</code></dd>
      <dt>Base URL</dt><dd class="provider-base-url">{{baseUrl}}</dd>
      <dt>Key set</dt><dd class="provider-key-set">{{#if keySet}}yes{{else}}no{{/if}}</dd>
      <dt>Updated</dt><dd>{{updatedAt}}</dd>
    </dl>
    <div class="grid">
      <form method="post" action="/admin/providers/{{id}}/base-url">
        <input type="hidden" name="_csrf" value="{{../csrfToken}}">
        <label for="prov-{{@index}}-url">New Base URL for {{name}}</label>
        <input id="prov-{{@index}}-url" name="baseUrl" type="url" required maxlength="500" value="{{baseUrl}}">
        <p><button type="submit">Save Base URL</button></p>
      </form>
      <form method="post" action="/admin/providers/{{id}}/key">
        <input type="hidden" name="_csrf" value="{{../csrfToken}}">
        <label for="prov-{{@index}}-key">New key for {{name}}</label>
        <input id="prov-{{@index}}-key" name="apiKey" type="password" required maxlength="4096" autocomplete="off">
        <p><button type="submit">{{#if keySet}}Rotate key{{else}}Set key{{/if}}</button></p>
      </form>
    </div>
  </article>
  {{else}}<p>No providers yet.</p>{{/each}}
</section>
<section class="card" aria-labelledby="new-prov-h">
  <h2 id="new-prov-h">Add a provider</h2>
  <form method="post" action="/admin/providers">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="new-prov-name">Name</label>
    <input id="new-prov-name" name="name" type="text" required maxlength="200" value="{{form.name}}">
    <label for="new-prov-url">Base URL</label>
    <input id="new-prov-url" name="baseUrl" type="url" required maxlength="500" placeholder="https://api.example.com/v1" value="{{form.baseUrl}}">
    <label for="new-prov-key">API key</label>
    <input id="new-prov-key" name="apiKey" type="password" required maxlength="4096" autocomplete="off">
    <p><button type="submit">Add provider</button></p>
  </form>
</section>
`;

export const ADMIN_PRICES_TEMPLATE = `
<h1>Costs and prices</h1>
{{> adminnav}}
<p class="muted">Versions are never edited: a new version takes over from its effective time. Margins use the prices in force now, on the reference mix of {{referenceMix}}: margin = (price − cost) ÷ price.</p>
<section aria-labelledby="margin-h">
  <h2 id="margin-h">Margin per alias and deployment</h2>
  <div class="table-wrap">
    <table class="stack" id="margins">
      <thead><tr><th scope="col">Alias</th><th scope="col">Provider / model</th><th scope="col">Cost</th><th scope="col">Price</th><th scope="col">Margin</th></tr></thead>
      <tbody>
        {{#each margins}}<tr data-alias="{{alias}}"><td data-label="Alias">{{alias}}</td><td data-label="Deployment">{{providerName}} / {{upstreamModel}}</td>
        {{#if margin}}<td data-label="Cost" class="num">{{margin.costCredits}}</td><td data-label="Price" class="num">{{margin.priceCredits}}</td><td data-label="Margin" class="num margin{{#if margin.loss}} loss{{/if}}">{{#if margin.marginPercent}}{{margin.marginPercent}} %{{else}}no price{{/if}}{{#if margin.loss}} (loss){{/if}}</td>
        {{else}}<td colspan="3" data-label="Margin">{{#unless costVersion}}No cost profile. {{/unless}}{{#unless priceVersion}}No sell price.{{/unless}}</td>{{/if}}</tr>
        {{else}}<tr><td colspan="5">No aliases with deployments yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
  <p><a href="/admin/margins">Margin review over real traffic</a></p>
</section>
<div class="grid">
<section class="card" aria-labelledby="new-cost-h">
  <h2 id="new-cost-h">New cost profile version</h2>
  <form method="post" action="/admin/prices/cost-profiles">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="cost-provider">Provider</label>
    <select id="cost-provider" name="providerId" required>
      {{#each providers}}<option value="{{id}}"{{#if (eq id ../costForm.providerId)}} selected{{/if}}>{{name}}</option>{{/each}}
    </select>
    <label for="cost-model">Upstream model</label>
    <input id="cost-model" name="upstreamModel" type="text" required maxlength="200" value="{{costForm.upstreamModel}}">
    <label for="cost-input">Input, credits per 1M tokens</label>
    <input id="cost-input" name="inputPerMillion" type="text" inputmode="decimal" required maxlength="40" value="{{costForm.inputPerMillion}}">
    <label for="cost-cached">Cached input, credits per 1M tokens (optional)</label>
    <input id="cost-cached" name="cachedInputPerMillion" type="text" inputmode="decimal" maxlength="40" value="{{costForm.cachedInputPerMillion}}">
    <label for="cost-output">Output, credits per 1M tokens</label>
    <input id="cost-output" name="outputPerMillion" type="text" inputmode="decimal" required maxlength="40" value="{{costForm.outputPerMillion}}">
    <p><button type="submit">Add cost version</button></p>
  </form>
</section>
<section class="card" aria-labelledby="new-price-h">
  <h2 id="new-price-h">New sell price version</h2>
  <form method="post" action="/admin/prices/sell-prices">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="price-alias">Alias</label>
    <input id="price-alias" name="alias" type="text" required maxlength="200" list="alias-names" value="{{priceForm.alias}}">
    <datalist id="alias-names">{{#each aliasNames}}<option value="{{this}}">{{/each}}</datalist>
    <label for="price-kind">Priced as</label>
    <select id="price-kind" name="kind">
      <option value="markup"{{#if (eq priceForm.kind "markup")}} selected{{/if}}>Markup on the serving deployment's cost</option>
      <option value="per_million"{{#if (eq priceForm.kind "per_million")}} selected{{/if}}>Fixed prices per 1M tokens</option>
    </select>
    <label for="price-markup">Markup % (for a markup)</label>
    <input id="price-markup" name="markupPercent" type="text" inputmode="decimal" maxlength="40" value="{{priceForm.markupPercent}}">
    <label for="price-input">Input, credits per 1M tokens (for fixed prices)</label>
    <input id="price-input" name="inputPerMillion" type="text" inputmode="decimal" maxlength="40" value="{{priceForm.inputPerMillion}}">
    <label for="price-cached">Cached input, credits per 1M (optional)</label>
    <input id="price-cached" name="cachedInputPerMillion" type="text" inputmode="decimal" maxlength="40" value="{{priceForm.cachedInputPerMillion}}">
    <label for="price-output">Output, credits per 1M tokens (for fixed prices)</label>
    <input id="price-output" name="outputPerMillion" type="text" inputmode="decimal" maxlength="40" value="{{priceForm.outputPerMillion}}">
    <p><button type="submit">Add price version</button></p>
  </form>
</section>
</div>
<section aria-labelledby="costs-h">
  <h2 id="costs-h">Cost profiles</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Provider</th><th scope="col">Model</th><th scope="col">Version</th><th scope="col">Effective (UTC)</th><th scope="col">Input</th><th scope="col">Cached</th><th scope="col">Output</th></tr></thead>
      <tbody>
        {{#each costs}}<tr><td data-label="Provider">{{providerName}}</td><td data-label="Model">{{upstreamModel}}</td><td data-label="Version">v{{version}}{{#if current}} <span class="badge">in force</span>{{/if}}</td><td data-label="Effective">{{effectiveAt}}</td><td data-label="Input" class="num">{{prices.inputPerMillion}}</td><td data-label="Cached" class="num">{{prices.cachedInputPerMillion}}</td><td data-label="Output" class="num">{{prices.outputPerMillion}}</td></tr>
        {{else}}<tr><td colspan="7">No cost profiles yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
<section aria-labelledby="prices-h">
  <h2 id="prices-h">Sell prices</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Alias</th><th scope="col">Version</th><th scope="col">Effective (UTC)</th><th scope="col">Price</th></tr></thead>
      <tbody>
        {{#each prices}}<tr><td data-label="Alias">{{alias}}</td><td data-label="Version">v{{version}}{{#if current}} <span class="badge">in force</span>{{/if}}</td><td data-label="Effective">{{effectiveAt}}</td><td data-label="Price">{{describe}}</td></tr>
        {{else}}<tr><td colspan="4">No sell prices yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const ADMIN_ALIASES_TEMPLATE = `
<h1>Aliases and routing</h1>
{{> adminnav}}
<p class="muted">An alias is the model name customers call. Its deployments are tried by priority (lowest first); equal priorities share traffic by weight. Margins are on the reference mix (see <a href="/admin/prices">Costs &amp; prices</a>); read the <a href="/admin/margins">margin review</a> before opening traffic.</p>
{{#if flags.length}}
<section class="card margin-flags" role="alert" aria-labelledby="margin-flags-h">
  <h2 id="margin-flags-h">Margin flags</h2>
  <p class="muted">A later change of cost, price, routing or a correction left these aliases below the margin threshold.</p>
  <ul>
    {{#each flags}}<li data-flagged-alias="{{alias}}"><strong>{{alias}}</strong>: {{reason}}, {{at}}.{{#each lines}} {{deploymentId}}: {{#if marginPercent}}{{marginPercent}} %{{else}}no margin{{/if}}{{#unless @last}};{{/unless}}{{/each}}</li>{{/each}}
  </ul>
</section>
{{/if}}
{{#each aliases}}
<article class="card alias" aria-labelledby="alias-{{@index}}-h" data-alias="{{name}}">
  <h2 id="alias-{{@index}}-h">{{name}}{{#if status}} <span class="badge alias-status">{{status}}</span>{{/if}}</h2>
  <p class="muted">Policy: {{policy}}{{#if defaultMaxOutputTokens}}, default max output {{defaultMaxOutputTokens}} tokens{{/if}}.</p>
  <div class="table-wrap">
    <table class="stack">
      <caption class="visually-hidden">Routing order of {{name}}</caption>
      <thead><tr><th scope="col">Priority</th><th scope="col">Weight</th><th scope="col">Provider</th><th scope="col">Upstream model</th><th scope="col">Margin</th></tr></thead>
      <tbody>
        {{#each deployments}}<tr><td data-label="Priority">{{priority}}</td><td data-label="Weight">{{weight}}</td><td data-label="Provider">{{providerName}}</td><td data-label="Upstream model">{{upstreamModel}}</td><td data-label="Margin" class="num{{#if margin.loss}} loss{{/if}}">{{#if margin}}{{#if margin.marginPercent}}{{margin.marginPercent}} %{{else}}no price{{/if}}{{else}}cost or price missing{{/if}}</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
  <p><a href="/admin/aliases/{{uri name}}/edit">Edit routing of {{name}}</a></p>
  {{#if transitions.length}}
  <div class="grid">
    {{#each transitions}}
    <form method="post" action="/admin/aliases/{{uri ../name}}/status" class="alias-transition" data-to="{{to}}">
      <input type="hidden" name="_csrf" value="{{../../csrfToken}}">
      <input type="hidden" name="to" value="{{to}}">
      <label for="alias-{{@../index}}-{{to}}-reason">Reason ({{label}})</label>
      <input id="alias-{{@../index}}-{{to}}-reason" name="reason" type="text" required maxlength="500">
      {{#if opens}}
      <label for="alias-{{@../index}}-override">Override reason, only to open despite a low margin</label>
      <input id="alias-{{@../index}}-override" name="overrideReason" type="text" maxlength="500">
      {{/if}}
      <p><button type="submit">{{label}}: {{../name}}</button></p>
    </form>
    {{/each}}
  </div>
  {{/if}}
</article>
{{else}}<p>No aliases yet.</p>{{/each}}
<p><a href="/admin/aliases/new/edit">Add an alias</a></p>
`;

export const ADMIN_ALIAS_EDIT_TEMPLATE = `
<h1>{{#if isNew}}New alias{{else}}Routing of {{alias.name}}{{/if}}</h1>
{{> adminnav}}
<form method="post" action="/admin/aliases" class="card">
  <input type="hidden" name="_csrf" value="{{csrfToken}}">
  {{#if isNew}}
  <label for="alias-name">Alias name (what customers call)</label>
  <input id="alias-name" name="name" type="text" required maxlength="200" value="{{alias.name}}">
  {{else}}<input type="hidden" name="name" value="{{alias.name}}">{{/if}}
  <label for="alias-policy">Routing policy</label>
  <select id="alias-policy" name="policy">
    <option value="priority"{{#if (eq alias.policy "priority")}} selected{{/if}}>Priority, then weight</option>
    <option value="cost"{{#if (eq alias.policy "cost")}} selected{{/if}}>Cheapest first</option>
  </select>
  <label for="alias-max">Default max output tokens (optional)</label>
  <input id="alias-max" name="defaultMaxOutputTokens" type="text" inputmode="numeric" maxlength="9" value="{{alias.defaultMaxOutputTokens}}">
  <fieldset>
    <legend>Deployments (leave a row's model empty to drop it)</legend>
    {{#each rows}}
    <div class="grid deployment-row">
      <div><label for="dep-{{index}}-provider">Row {{number}}: provider</label>
      <select id="dep-{{index}}-provider" name="providerId_{{index}}">
        <option value="">—</option>
        {{#each ../providers}}<option value="{{id}}"{{#if (eq id ../providerId)}} selected{{/if}}>{{name}}</option>{{/each}}
      </select></div>
      <div><label for="dep-{{index}}-model">Row {{number}}: upstream model</label>
      <input id="dep-{{index}}-model" name="upstreamModel_{{index}}" type="text" maxlength="200" value="{{upstreamModel}}"></div>
      <div><label for="dep-{{index}}-priority">Row {{number}}: priority</label>
      <input id="dep-{{index}}-priority" name="priority_{{index}}" type="text" inputmode="numeric" maxlength="4" value="{{priority}}"></div>
      <div><label for="dep-{{index}}-weight">Row {{number}}: weight</label>
      <input id="dep-{{index}}-weight" name="weight_{{index}}" type="text" inputmode="numeric" maxlength="7" value="{{weight}}"></div>
    </div>
    {{/each}}
  </fieldset>
  <p><button type="submit">Save routing</button> <a href="/admin/aliases">Cancel</a></p>
</form>
`;

export const ADMIN_ORDERS_TEMPLATE = `
<h1>Payments</h1>
{{> adminnav}}
<section aria-labelledby="pending-h">
  <h2 id="pending-h">Manual orders waiting for payment</h2>
  <p class="muted">Approve once the bank transfer has arrived: the workspace is credited at once. Reject with a reason otherwise.</p>
  {{#each pending}}
  <article class="card pending-order" aria-labelledby="po-{{@index}}-h" data-order-id="{{orderId}}">
    <h3 id="po-{{@index}}-h">{{packageName}}: {{gross}}, {{credits}} credits</h3>
    <p class="muted">Order <code>{{orderId}}</code> of <a href="/admin/workspaces/{{workspaceId}}">{{workspaceName}}</a>, created {{createdAt}}.</p>
    <div class="grid">
      <form method="post" action="/admin/orders/{{orderId}}/approve">
        <input type="hidden" name="_csrf" value="{{../csrfToken}}">
        <label for="po-{{@index}}-ref">Payment reference (bank transfer id)</label>
        <input id="po-{{@index}}-ref" name="paymentReference" type="text" required maxlength="200">
        <p><button type="submit">Approve</button></p>
      </form>
      <form method="post" action="/admin/orders/{{orderId}}/reject">
        <input type="hidden" name="_csrf" value="{{../csrfToken}}">
        <label for="po-{{@index}}-reason">Reason to reject</label>
        <input id="po-{{@index}}-reason" name="reason" type="text" required maxlength="500">
        <p><button type="submit" class="button-quiet">Reject</button></p>
      </form>
    </div>
  </article>
  {{else}}<p>No manual orders are waiting.</p>{{/each}}
</section>
<section aria-labelledby="paid-h">
  <h2 id="paid-h">Paid orders</h2>
  <p class="muted">A refund takes back unconsumed credits of the order and pays the money back through the provider it was paid with. Leave credits empty to refund every unconsumed credit.</p>
  {{#each paid}}
  <details class="card paid-order" data-order-id="{{orderId}}">
    <summary>{{packageName}} for {{workspaceName}}: {{gross}} ({{provider}}, {{status}}{{#if refunded}}, refunded {{refunded}}{{/if}})</summary>
    <form method="post" action="/admin/orders/{{orderId}}/refund">
      <input type="hidden" name="_csrf" value="{{../csrfToken}}">
      <input type="hidden" name="refundId" value="{{refundId}}">
      <label for="ro-{{@index}}-credits">Credits to refund (of {{credits}})</label>
      <input id="ro-{{@index}}-credits" name="credits" type="text" inputmode="decimal" maxlength="40">
      <label for="ro-{{@index}}-reason">Reason</label>
      <input id="ro-{{@index}}-reason" name="reason" type="text" required maxlength="500">
      <p><button type="submit">Refund</button></p>
    </form>
  </details>
  {{else}}<p>No paid orders yet.</p>{{/each}}
</section>
<section aria-labelledby="recent-h">
  <h2 id="recent-h">Recent orders</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Created (UTC)</th><th scope="col">Workspace</th><th scope="col">Package</th><th scope="col">Provider</th><th scope="col">Total</th><th scope="col">Status</th></tr></thead>
      <tbody>
        {{#each recent}}<tr><td data-label="Created">{{createdAt}}</td><td data-label="Workspace">{{workspaceName}}</td><td data-label="Package">{{packageName}}</td><td data-label="Provider">{{provider}}</td><td data-label="Total" class="num">{{gross}}</td><td data-label="Status">{{status}}{{#if flaggedForReview}} <span class="badge">flagged</span>{{/if}}</td></tr>
        {{else}}<tr><td colspan="6">No orders yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const ADMIN_PROJECTIONS_TEMPLATE = `
<h1>Projections</h1>
{{> adminnav}}
<p class="muted">Read models built from the event store. A rebuild builds the next version from the first event while the current one keeps serving, then switches over atomically.</p>
<section aria-labelledby="proj-h">
  <h2 id="proj-h">Status</h2>
  <div class="table-wrap">
    <table class="stack" id="projection-status">
      <thead><tr><th scope="col">Projection</th><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Checkpoint</th><th scope="col">Lag (events)</th><th scope="col">Lag (seconds)</th></tr></thead>
      <tbody>
        {{#each projections}}<tr data-projection="{{name}}"><td data-label="Projection">{{name}}</td><td data-label="Version" class="num projection-version">{{liveVersion}}{{#if building}} (building v{{building.version}}){{/if}}</td><td data-label="Status">{{status}}{{#if error}}: {{error}}{{/if}}</td><td data-label="Checkpoint"><code>{{checkpoint}}</code></td><td data-label="Lag events" class="num">{{lagEvents}}{{#if lagEventsAtLeast}}+{{/if}}</td><td data-label="Lag seconds" class="num">{{lagSeconds}}</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
  <p class="muted">Head of the event store: <code>{{head}}</code>. <a href="/admin/projections">Refresh</a></p>
</section>
<section class="card" aria-labelledby="rebuild-h">
  <h2 id="rebuild-h">Rebuild</h2>
  <div id="rebuild-progress" data-status-url="/admin/projections/rebuild.json" data-state="{{job.state}}" aria-live="polite">
    {{#if job}}
    <p>Rebuild #{{job.id}} of {{job.projectionList}}: <strong class="rebuild-state">{{job.state}}</strong>{{#if running}} (<span class="rebuild-phase">{{job.phase}}</span>){{/if}}.</p>
    <progress max="100" value="{{job.percent}}" aria-label="Rebuild progress">{{job.percent}} %</progress>
    <p class="muted rebuild-detail">{{job.detail}}</p>
    {{#if job.error}}<p class="alert alert-error">{{job.error}}</p>{{/if}}
    {{else}}<p>No rebuild started since this process started.</p>{{/if}}
  </div>
  <form method="post" action="/admin/projections/rebuild">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="rebuild-name">Projection</label>
    <select id="rebuild-name" name="name">
      <option value="">All projections</option>
      {{#each projections}}<option value="{{name}}">{{name}}</option>{{/each}}
    </select>
    <p><button type="submit"{{#if running}} disabled{{/if}}>Start rebuild</button></p>
  </form>
</section>
<script src="/admin/assets/projections.js" defer></script>
`;

export const ADMIN_OVERVIEW_TEMPLATE = `
<h1>Admin</h1>
{{> adminnav}}
{{#if initialPassword}}
<div class="alert alert-ok" role="status">
  <p>Initial password for <strong>{{initialPassword.email}}</strong>, shown only now. Hand it over securely; they can change it under Account.</p>
  <p><code class="secret">{{initialPassword.password}}</code></p>
</div>
{{/if}}
<section aria-labelledby="ws-h">
  <h2 id="ws-h">Workspaces</h2>
  <form method="get" action="/admin" role="search" class="card">
    <label for="ws-search">Find a workspace (name, id or a member's email)</label>
    <input id="ws-search" name="q" type="search" maxlength="200" value="{{search.q}}">
    <p><button type="submit">Search</button>{{#if search.q}} <a href="/admin">Show all</a>{{/if}}</p>
  </form>
  <div class="table-wrap">
    <table class="stack" id="workspaces">
      <thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Available credits</th><th scope="col">Posted credits</th><th scope="col">Created</th></tr></thead>
      <tbody>
        {{#each workspaces}}
        <tr data-workspace-id="{{id}}"><td data-label="Name"><a href="/admin/workspaces/{{id}}">{{name}}</a></td><td data-label="Members">{{memberCount}}</td><td data-label="Available" class="num">{{available}}</td><td data-label="Posted" class="num">{{posted}}</td><td data-label="Created">{{date createdAt}}</td></tr>
        {{else}}
        <tr><td colspan="5">{{#if search.q}}No workspace matches “{{search.q}}”.{{else}}No workspaces yet.{{/if}}</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
  {{#if search.prevHref}}<nav class="pager" aria-label="Workspace pages"><a href="{{search.prevHref}}" rel="prev">Newer workspaces</a>{{#if search.nextHref}} <a href="{{search.nextHref}}" rel="next">Older workspaces</a>{{/if}}</nav>
  {{else}}{{#if search.nextHref}}<nav class="pager" aria-label="Workspace pages"><a href="{{search.nextHref}}" rel="next">Older workspaces</a></nav>{{/if}}{{/if}}
</section>
<section class="card" aria-labelledby="new-ws-h">
  <h2 id="new-ws-h">Create a workspace</h2>
  <form method="post" action="/admin/workspaces">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="ws-name">Workspace name</label>
    <input id="ws-name" name="name" type="text" required maxlength="120">
    <label for="ws-owner">Owner's email</label>
    <input id="ws-owner" name="ownerEmail" type="email" required autocomplete="off">
    <p class="muted">A new email gets an account with an initial password, shown to you once.</p>
    <p><button type="submit">Create workspace</button></p>
  </form>
</section>
<section aria-labelledby="inv-h">
  <h2 id="inv-h">Invoices</h2>
  <div class="table-wrap">
    <table class="stack">
      <thead><tr><th scope="col">Number</th><th scope="col">Buyer</th><th scope="col">Issued</th><th scope="col">Total</th><th scope="col">Status</th><th scope="col">PDF</th></tr></thead>
      <tbody>
        {{#each invoices}}
        <tr><td data-label="Number">{{number}}</td><td data-label="Buyer">{{buyerName}} <code>{{workspaceId}}</code></td><td data-label="Issued">{{issueDate}}</td><td data-label="Total">{{gross}}</td><td data-label="Status">{{status}}{{#if credited}}, credited {{credited}}{{/if}}</td><td data-label="PDF"><a href="/admin/api/invoices/{{invoiceId}}/pdf">Download {{number}}</a></td></tr>
        {{else}}
        <tr><td colspan="6">No invoices yet.</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
`;
