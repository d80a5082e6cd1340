/** Handlebars views of the margin review and the corrections flow (admin workspace). */

export const MARGINS_TEMPLATE = `
<h1>Margin review</h1>
{{> adminnav}}
<p class="muted">Real traffic over [{{window.from}}, {{window.to}}) UTC: provider cost from the tokens and the cost in force at each request's time, corrections included; price is what customers were charged plus re-rating adjustments. Exposure is the loss on requests priced below their cost.</p>
<form method="get" action="/admin/margins" class="inline-form" aria-label="Window">
  <label for="m-from">From (UTC day)</label>
  <input id="m-from" name="from" type="date" required value="{{window.from}}">
  <label for="m-to">To (exclusive)</label>
  <input id="m-to" name="to" type="date" required value="{{window.to}}">
  <button type="submit">Show</button>
</form>
{{#if rebuilding}}<p class="alert alert-ok" role="status">The margins read model is being rebuilt (version {{rebuilding.version}}); these figures are the current version's until the switch.</p>{{/if}}
<section aria-labelledby="by-dep-h">
  <h2 id="by-dep-h">Per alias and deployment</h2>
  <div class="table-wrap">
    <table class="stack" id="margin-review">
      <thead><tr><th scope="col">Alias</th><th scope="col">Deployment (provider / model)</th><th scope="col">Requests</th><th scope="col">Tokens in / out</th><th scope="col">Cost</th><th scope="col">Price</th><th scope="col">Margin</th><th scope="col">Margin %</th><th scope="col">Exposure</th></tr></thead>
      <tbody>
        {{#each rows}}<tr data-alias="{{alias}}" data-deployment="{{deployment}}" data-provider="{{provider}}" data-model="{{upstreamModel}}">
          <td data-label="Alias">{{alias}}</td><td data-label="Deployment">{{deployment}}<br><small class="muted">{{provider}} / {{upstreamModel}}</small></td>
          <td data-label="Requests" class="num requests">{{requests}}</td><td data-label="Tokens in / out" class="num">{{promptTokens}} / {{completionTokens}}</td>
          <td data-label="Cost" class="num cost">{{cost}}</td><td data-label="Price" class="num price">{{price}}</td>
          <td data-label="Margin" class="num margin{{#if loss}} loss{{/if}}">{{margin}}</td>
          <td data-label="Margin %" class="num margin-percent">{{#if marginPercent}}{{marginPercent}} %{{else}}no price{{/if}}</td>
          <td data-label="Exposure" class="num exposure">{{exposure}}{{#if lossRequests}} ({{lossRequests}} requests){{/if}}</td></tr>
        {{else}}<tr><td colspan="9">No requests in this window.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
<section aria-labelledby="by-day-h">
  <h2 id="by-day-h">Per day</h2>
  <div class="table-wrap">
    <table class="stack" id="margin-days">
      <thead><tr><th scope="col">Day</th><th scope="col">Requests</th><th scope="col">Cost</th><th scope="col">Price</th><th scope="col">Margin</th><th scope="col">Margin %</th></tr></thead>
      <tbody>
        {{#each days}}<tr><td data-label="Day">{{day}}</td><td data-label="Requests" class="num">{{requests}}</td><td data-label="Cost" class="num">{{cost}}</td><td data-label="Price" class="num">{{price}}</td><td data-label="Margin" class="num">{{margin}}</td><td data-label="Margin %" class="num">{{#if marginPercent}}{{marginPercent}} %{{else}}–{{/if}}</td></tr>
        {{else}}<tr><td colspan="6">No days with traffic.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
<p><a href="/admin/corrections">Correct a cost profile or a sell price</a></p>
`;

const FORM_FIELDS = `
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="c-id">Correction id</label>
    <input id="c-id" name="correctionId" type="text" required maxlength="100" pattern="[A-Za-z0-9][A-Za-z0-9._:\\-]*" value="{{form.correctionId}}" aria-describedby="c-id-hint">
    <p class="muted" id="c-id-hint">Applying the same id again changes nothing.</p>
    <fieldset>
      <legend>What is corrected</legend>
      <label><input type="radio" name="kind" value="cost"{{#if (eq form.kind "cost")}} checked{{/if}}> Cost profile (what the provider charges us)</label>
      <label><input type="radio" name="kind" value="price"{{#if (eq form.kind "price")}} checked{{/if}}> Sell price (what customers pay)</label>
    </fieldset>
    <label for="c-provider">Provider id (cost)</label>
    <input id="c-provider" name="providerId" type="text" maxlength="200" list="known-providers" value="{{form.providerId}}">
    <label for="c-model">Upstream model (cost)</label>
    <input id="c-model" name="upstreamModel" type="text" maxlength="200" list="known-models" value="{{form.upstreamModel}}">
    <label for="c-alias">Alias (price)</label>
    <input id="c-alias" name="alias" type="text" maxlength="200" list="known-aliases" value="{{form.alias}}">
    <label for="c-price-kind">Sell price kind (price)</label>
    <select id="c-price-kind" name="priceKind">
      <option value="per_million"{{#if (eq form.priceKind "per_million")}} selected{{/if}}>Per million tokens</option>
      <option value="markup"{{#if (eq form.priceKind "markup")}} selected{{/if}}>Markup on cost</option>
    </select>
    <label for="c-in">Input, credits per million tokens</label>
    <input id="c-in" name="inputPerMillion" type="text" inputmode="decimal" maxlength="30" value="{{form.inputPerMillion}}">
    <label for="c-cached">Cached input, credits per million (empty: same as input)</label>
    <input id="c-cached" name="cachedPerMillion" type="text" inputmode="decimal" maxlength="30" value="{{form.cachedPerMillion}}">
    <label for="c-out">Output, credits per million tokens</label>
    <input id="c-out" name="outputPerMillion" type="text" inputmode="decimal" maxlength="30" value="{{form.outputPerMillion}}">
    <label for="c-markup">Markup percent (price, markup kind)</label>
    <input id="c-markup" name="markupPercent" type="text" inputmode="decimal" maxlength="20" value="{{form.markupPercent}}">
    <label for="c-from">From (UTC)</label>
    <input id="c-from" name="from" type="datetime-local" step="1" required value="{{form.from}}">
    <label for="c-to">To, exclusive (UTC; empty: open-ended)</label>
    <input id="c-to" name="to" type="datetime-local" step="1" value="{{form.to}}">
    <label for="c-reason">Reason</label>
    <input id="c-reason" name="reason" type="text" required maxlength="500" value="{{form.reason}}">
    <label><input id="c-rerate" type="checkbox" name="rerate" value="1"{{#if form.rerate}} checked{{/if}}> Re-rate customers (one adjustment per workspace)</label>
`;

export const CORRECTIONS_TEMPLATE = `
<h1>Corrections</h1>
{{> adminnav}}
<p class="muted">A correction replaces the cost or price in force over a window without editing history. Preview first; applying appends the correction, re-rates customers if asked, and rebuilds the margins read model (the current version keeps serving until the new one has caught up).</p>
<section class="card" aria-labelledby="new-corr-h">
  <h2 id="new-corr-h">New correction</h2>
  <form method="post" action="/admin/corrections/preview" id="correction-form">
${FORM_FIELDS}
    <p><button type="submit" id="preview-button">Preview</button></p>
  </form>
  <datalist id="known-providers">{{#each known.providers}}<option value="{{this}}">{{/each}}</datalist>
  <datalist id="known-models">{{#each known.models}}<option value="{{this}}">{{/each}}</datalist>
  <datalist id="known-aliases">{{#each known.aliases}}<option value="{{this}}">{{/each}}</datalist>
</section>
<section aria-labelledby="applied-h">
  <h2 id="applied-h">Applied corrections</h2>
  <div class="table-wrap">
    <table class="stack" id="applied-corrections">
      <thead><tr><th scope="col">Id</th><th scope="col">Target</th><th scope="col">Window (UTC)</th><th scope="col">New value</th><th scope="col">Re-rated</th><th scope="col">Reason</th><th scope="col">By, at</th></tr></thead>
      <tbody>
        {{#each applied}}<tr><td data-label="Id"><code>{{correctionId}}</code></td><td data-label="Target">{{target}}</td><td data-label="Window">{{from}} → {{to}}</td><td data-label="New value">{{value}}</td><td data-label="Re-rated">{{#if rerate}}yes{{else}}no{{/if}}</td><td data-label="Reason">{{reason}}</td><td data-label="By, at">{{actor}}, {{at}}</td></tr>
        {{else}}<tr><td colspan="7">No corrections yet.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const PREVIEW_TEMPLATE = `
<h1>Preview of correction {{preview.correctionId}}</h1>
{{> adminnav}}
<p>{{preview.target}} over [{{preview.from}}, {{preview.to}}){{#if preview.rerate}}, re-rating customers{{/if}}. Nothing has been written yet.</p>
{{#if preview.lagEvents}}<p class="alert alert-error" role="alert">The margins read model is {{preview.lagEvents}} events behind: requests recorded since are not counted. Preview again in a moment.</p>{{/if}}
<div class="table-wrap">
  <table id="preview-totals">
    <thead><tr><th scope="col"></th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>
      <tr><th scope="row">Requests affected</th><td class="num" id="preview-requests" colspan="2">{{preview.requests}}</td></tr>
      <tr><th scope="row">Provider cost</th><td class="num" id="cost-before">{{preview.costBefore}}</td><td class="num" id="cost-after">{{preview.costAfter}}</td></tr>
      <tr><th scope="row">Price</th><td class="num" id="price-before">{{preview.priceBefore}}</td><td class="num" id="price-after">{{preview.priceAfter}}</td></tr>
      <tr><th scope="row">Margin</th><td class="num" id="margin-before">{{preview.marginBefore}}</td><td class="num" id="margin-after">{{preview.marginAfter}}</td></tr>
    </tbody>
  </table>
</div>
{{#if preview.rerate}}
<section aria-labelledby="rerate-h">
  <h2 id="rerate-h">Charge difference per workspace</h2>
  <p class="muted">Positive: the customer owes more (a debit, capped at the available balance plus overdraft; the rest is reported as uncollected). Negative: the customer is credited.</p>
  <div class="table-wrap">
    <table class="stack" id="preview-workspaces">
      <thead><tr><th scope="col">Workspace</th><th scope="col">Requests</th><th scope="col">Charge difference</th></tr></thead>
      <tbody>
        {{#each preview.workspaces}}<tr><td data-label="Workspace">{{workspaceId}}</td><td data-label="Requests" class="num">{{requests}}</td><td data-label="Charge difference" class="num">{{delta}}</td></tr>
        {{else}}<tr><td colspan="3">No charge changes.</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
{{/if}}
<form method="post" action="/admin/corrections/apply" id="apply-form">
  <input type="hidden" name="_csrf" value="{{csrfToken}}">
  {{#each hidden}}<input type="hidden" name="{{name}}" value="{{value}}">{{/each}}
  <p><button type="submit" id="apply-button">Apply correction {{preview.correctionId}}</button></p>
</form>
<section class="card" aria-labelledby="edit-h">
  <h2 id="edit-h">Change and preview again</h2>
  <form method="post" action="/admin/corrections/preview">
${FORM_FIELDS.replace(/id="c-/g, 'id="e-')
  .replace(/for="c-/g, 'for="e-')
  .replace(/"c-id-hint"/g, '"e-id-hint"')}
    <p><button type="submit">Preview again</button></p>
  </form>
</section>
`;

export const JOB_TEMPLATE = `
<h1>Correction {{job.correctionId}}</h1>
{{> adminnav}}
<div id="correction-job" data-state="{{job.state}}" aria-live="polite">
  <p>State: <strong id="job-state">{{job.state}}</strong>{{#if job.running}} — <span id="job-phase">{{job.phase}}</span>{{/if}}.</p>
  <progress max="100" value="{{job.percent}}" aria-label="Progress">{{job.percent}} %</progress>
  <p class="muted" id="job-detail">{{job.detail}}</p>
  {{#if job.running}}<p class="muted">This page refreshes itself every second. <a href="/admin/corrections/jobs/{{job.id}}">Refresh now</a></p>{{/if}}
  {{#if job.error}}<p class="alert alert-error" role="alert">{{job.error}}</p>{{/if}}
</div>
{{#if job.done}}
<p id="job-result">{{#if job.appended}}The correction was appended.{{else}}The correction had already been applied: nothing was appended.{{/if}} Margins rebuilt: {{job.rebuildText}}.</p>
{{#if job.adjustments.length}}
<section aria-labelledby="adj-h">
  <h2 id="adj-h">Re-rating adjustments</h2>
  <div class="table-wrap">
    <table class="stack" id="job-adjustments">
      <thead><tr><th scope="col">Workspace</th><th scope="col">Outcome</th><th scope="col">Requested</th><th scope="col">Booked</th><th scope="col">Uncollected</th></tr></thead>
      <tbody>
        {{#each job.adjustments}}<tr><td data-label="Workspace">{{workspaceId}}</td><td data-label="Outcome">{{outcome}}{{#if error}}: {{error}}{{/if}}</td><td data-label="Requested" class="num">{{requested}}</td><td data-label="Booked" class="num">{{adjusted}}</td><td data-label="Uncollected" class="num">{{uncollected}}</td></tr>{{/each}}
      </tbody>
    </table>
  </div>
</section>
{{/if}}
<p><a id="corrected-margins" href="/admin/margins?from={{job.marginsFrom}}&amp;to={{job.marginsTo}}">See the corrected margins</a></p>
{{/if}}
`;
