/** The workspace's alerts page (in the workspace layout, with its section nav). No scripts. */
export const ALERTS_TEMPLATE = `
<h1>Low-balance alerts</h1>
{{> wsnav}}
{{#if newSecret}}
<div class="alert alert-ok" role="status">
  <p>Webhook signing secret created. Copy it now: it is shown only once.</p>
  <p><code class="secret" id="webhook-secret">{{newSecret}}</code></p>
</div>
{{/if}}
<section aria-labelledby="alert-state-h">
  <h2 id="alert-state-h">Now</h2>
  {{#if below.length}}
  <p id="alert-state">Balance is below {{#each below}}{{#if @index}}, {{/if}}{{this}}{{/each}} credits.</p>
  {{else}}
  <p id="alert-state">{{#if thresholds.length}}Balance is above every threshold.{{else}}No thresholds set.{{/if}}</p>
  {{/if}}
</section>
<section class="card" aria-labelledby="alert-settings-h">
  <h2 id="alert-settings-h">Settings</h2>
  <p class="muted">When the balance (credits minus recorded usage) falls below a threshold, the dashboard shows a banner and the webhook below receives one signed POST, retried with backoff until it answers 2xx.</p>
  {{#if canManage}}
  <form method="post" action="/w/{{ws.id}}/alerts">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="alert-thresholds">Thresholds in credits (comma-separated, up to 10; empty = none)</label>
    <input id="alert-thresholds" name="thresholds" type="text" inputmode="decimal" maxlength="400" value="{{form.thresholds}}" aria-describedby="alert-thresholds-hint">
    <p class="muted" id="alert-thresholds-hint">For example: 50, 10</p>
    <label for="alert-url">Webhook URL (http or https; empty = no webhook)</label>
    <input id="alert-url" name="webhookUrl" type="url" maxlength="2000" value="{{form.webhookUrl}}">
    <p><button type="submit">Save alerts</button></p>
  </form>
  {{else}}
  <p>Thresholds: {{#if thresholds.length}}{{#each thresholds}}{{#if @index}}, {{/if}}{{this}}{{/each}} credits{{else}}none{{/if}}. Webhook: {{#if form.webhookUrl}}{{form.webhookUrl}}{{else}}none{{/if}}.</p>
  <p class="muted">Workspace owners can change these.</p>
  {{/if}}
  <h3>Signing secret</h3>
  <p id="secret-hint">{{#if secretHint}}A secret ending in <code>…{{secretHint}}</code> signs every delivery.{{else}}No secret yet: one is created with the first webhook URL.{{/if}}</p>
  <p class="muted">Each delivery carries <code>Tollgate-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</code>: v1 is HMAC-SHA256 with the secret over the text <code>t</code>, a dot, then the raw body. Recompute it and reject timestamps older than five minutes.</p>
  {{#if canManage}}
  <form method="post" action="/w/{{ws.id}}/alerts/secret" class="inline">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <button type="submit" class="button-quiet">{{#if secretHint}}Replace the signing secret{{else}}Create a signing secret{{/if}}</button>
  </form>
  {{/if}}
</section>
<section aria-labelledby="deliveries-h">
  <h2 id="deliveries-h">Webhook deliveries</h2>
  <div class="table-wrap">
    <table class="stack" id="deliveries">
      <caption class="muted">Newest first; one row per attempt.</caption>
      <thead><tr><th scope="col">Event</th><th scope="col">Delivery</th><th scope="col">Attempt</th><th scope="col">Time (UTC)</th><th scope="col">Result</th><th scope="col">Duration</th><th scope="col">Outcome</th></tr></thead>
      <tbody>
        {{#each deliveries}}
        {{#each attemptList}}
        <tr class="attempt" data-delivery="{{../deliveryId}}" data-attempt="{{attempt}}"><td data-label="Event">{{../eventType}}</td><td data-label="Delivery"><code>{{../deliveryId}}</code></td><td data-label="Attempt" class="num">{{attempt}}</td><td data-label="Time">{{startedAt}}</td><td data-label="Result">{{result}}</td><td data-label="Duration" class="num">{{durationMs}} ms</td><td data-label="Outcome"><span class="badge">{{outcome}}</span></td></tr>
        {{/each}}
        {{#if nextAttemptAt}}
        <tr class="pending" data-delivery="{{deliveryId}}"><td data-label="Event">{{eventType}}</td><td data-label="Delivery"><code>{{deliveryId}}</code></td><td colspan="5">Next attempt at {{nextAttemptAt}}</td></tr>
        {{/if}}
        {{else}}
        <tr><td colspan="7">No deliveries yet.</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
`;
