/** The admin audit log page (admin layout). No scripts; every input labelled. */
export const AUDIT_TEMPLATE = `
<h1>Audit log</h1>
{{> adminnav}}
<p class="muted">Every admin and workspace-owner action, derived from the events: who, what, when, and the state before and after.</p>
<form method="get" action="/admin/audit" class="card filters" aria-label="Filter the audit log">
  <div class="grid">
    <div><label for="a-actor">Actor (email or id)</label><input id="a-actor" name="actor" type="text" maxlength="320" value="{{filter.actor}}" autocomplete="off"></div>
    <div><label for="a-action">Action</label>
      <select id="a-action" name="action"><option value="">Any action</option>{{#each actions}}<option value="{{value}}"{{#if selected}} selected{{/if}}>{{value}}</option>{{/each}}</select></div>
    <div><label for="a-workspace">Workspace id</label><input id="a-workspace" name="workspace" type="text" maxlength="200" value="{{filter.workspace}}" autocomplete="off"></div>
    <div><label for="a-from">From (UTC day)</label><input id="a-from" name="from" type="date" value="{{filter.from}}"></div>
    <div><label for="a-to">To (UTC day, inclusive)</label><input id="a-to" name="to" type="date" value="{{filter.to}}"></div>
  </div>
  <p><button type="submit">Apply filters</button> <a href="/admin/audit">Clear</a> · <a href="{{csvHref}}" download id="audit-csv">Download CSV</a></p>
</form>
<div class="table-wrap">
  <table class="stack wrap" id="audit-log">
    <caption class="muted">Page {{filter.page}}, newest first.</caption>
    <thead><tr><th scope="col">Time (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Workspace</th><th scope="col">Subject</th><th scope="col">What</th><th scope="col">Before → after</th></tr></thead>
    <tbody>
      {{#each rows}}
      <tr class="audit-row" data-action="{{action}}" data-event="{{eventId}}"><td data-label="Time">{{time}}</td><td data-label="Actor">{{#if actorEmail}}<span title="{{actor}}">{{actorEmail}}</span>{{else}}{{actor}}{{/if}}</td><td data-label="Action"><code>{{action}}</code></td><td data-label="Workspace">{{#if workspaceId}}<code>{{workspaceId}}</code>{{/if}}</td><td data-label="Subject">{{subject}}</td><td data-label="What">{{summary}}</td><td data-label="Before → after">
        {{#if changes.length}}<ul class="changes">{{#each changes}}<li><code>{{field}}</code>: <span class="before">{{before}}</span> → <span class="after">{{after}}</span></li>{{/each}}</ul>{{else}}<span class="muted">no state change</span>{{/if}}
        <details><summary>Full state</summary><p>Before:</p><pre>{{beforeJson}}</pre><p>After:</p><pre>{{afterJson}}</pre></details>
      </td></tr>
      {{else}}
      <tr><td colspan="7">No actions match.</td></tr>
      {{/each}}
    </tbody>
  </table>
</div>
<nav aria-label="Pages" class="pager">
  {{#if prevHref}}<a href="{{prevHref}}" rel="prev">Newer</a>{{/if}}
  {{#if nextHref}}<a href="{{nextHref}}" rel="next">Older</a>{{/if}}
</nav>
`;
