/** The workspace's limits page: quotas with current use and the provider policy. No scripts. */
export const LIMITS_TEMPLATE = `
<h1>Limits</h1>
{{> wsnav}}
<section aria-labelledby="quotas-h">
  <h2 id="quotas-h">Quotas</h2>
  {{#if quotas.length}}
  <p class="muted">Enforced across every gateway instance. Calendar days and months follow {{timeZone}}. Use is reported within a few seconds.</p>
  <table id="quota-table">
    <thead><tr><th scope="col">Limit</th><th scope="col" class="num">Allowed</th><th scope="col" class="num">Used</th><th scope="col" class="num">Left</th><th scope="col">Resets</th></tr></thead>
    <tbody>
      {{#each quotas}}
      <tr data-metric="{{metric}}"><th scope="row">{{label}}</th><td class="num">{{limit}}</td><td class="num">{{used}}</td><td class="num">{{left}}</td><td>{{resets}}</td></tr>
      {{/each}}
    </tbody>
  </table>
  {{else}}{{#unless keyQuotas.length}}
  <p id="no-quotas">No quotas are set for this workspace: it is limited by its credits and its API keys' own limits only.</p>
  {{/unless}}{{/if}}
  {{#if keyQuotas.length}}
  <h3>Per API key</h3>
  <table id="key-quota-table">
    <thead><tr><th scope="col">Key</th><th scope="col">Limit</th><th scope="col" class="num">Allowed</th><th scope="col" class="num">Used</th><th scope="col" class="num">Left</th><th scope="col">Resets</th></tr></thead>
    <tbody>
      {{#each keyQuotas}}
      <tr data-key="{{keyId}}" data-metric="{{metric}}"><td><code>{{keyId}}</code></td><th scope="row">{{label}}</th><td class="num">{{limit}}</td><td class="num">{{used}}</td><td class="num">{{left}}</td><td>{{resets}}</td></tr>
      {{/each}}
    </tbody>
  </table>
  {{/if}}
</section>
<section aria-labelledby="policy-h">
  <h2 id="policy-h">Provider policy</h2>
  {{#if policy}}
  <ul id="policy-rules">
    {{#if policy.requiredRegion}}<li>Only providers tagged <strong>{{policy.requiredRegion}}</strong> serve this workspace.</li>{{/if}}
    {{#if policy.allowProviders}}<li>Allowed providers: {{#each policy.allowProviders}}{{#if @index}}, {{/if}}{{this}}{{/each}}</li>{{/if}}
    {{#if policy.denyProviders.length}}<li>Denied providers: {{#each policy.denyProviders}}{{#if @index}}, {{/if}}{{this}}{{/each}}</li>{{/if}}
    {{#if policy.allowDeployments}}<li>Allowed deployments: {{#each policy.allowDeployments}}{{#if @index}}, {{/if}}{{this}}{{/each}}</li>{{/if}}
    {{#if policy.denyDeployments.length}}<li>Denied deployments: {{#each policy.denyDeployments}}{{#if @index}}, {{/if}}{{this}}{{/each}}</li>{{/if}}
    {{#if policy.routingPolicy}}<li>Routing: {{policy.routingPolicy}} first.</li>{{/if}}
  </ul>
  <p class="muted">A model whose deployments are all excluded answers 403 <code>model_not_allowed_by_policy</code>; requests never fall back to an excluded provider.</p>
  {{else}}
  <p id="no-policy">No provider policy: every provider of a model may serve this workspace.</p>
  {{/if}}
  <p class="muted">Quotas and the provider policy are set by your operator.</p>
</section>
`;
