/** Page bodies, rendered inside the layout. Every input has a label; errors are announced (role=alert). */

export const LOGIN_TEMPLATE = `
<div class="login">
  <h1>Sign in</h1>
  {{#if error}}<div class="alert alert-error" role="alert" id="login-error">{{error}}</div>{{/if}}
  <form method="post" action="/login" class="card" novalidate>
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    {{#if next}}<input type="hidden" name="next" value="{{next}}">{{/if}}
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" required value="{{email}}"{{#if error}} aria-describedby="login-error"{{/if}}>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required>
    <p><button type="submit">Sign in</button></p>
  </form>
</div>
`;

export const WORKSPACE_TEMPLATE = `
<h1>{{workspace.name}}</h1>
<p class="muted">Your role: <span class="badge">{{role}}</span></p>
<div class="grid">
  <section class="card" aria-labelledby="balance-h"><h2 id="balance-h">Balance</h2><p class="muted">Credits and usage appear here once the ledger read models are connected.</p></section>
  <section class="card" aria-labelledby="keys-h"><h2 id="keys-h">API keys</h2><p class="muted">Key management comes with the gateway's key store.</p></section>
  <section class="card" aria-labelledby="billing-h"><h2 id="billing-h">Billing</h2><p class="muted">Credit packages and invoices come with payments.</p></section>
</div>
{{#if canRename}}
<section class="card" aria-labelledby="settings-h">
  <h2 id="settings-h">Settings</h2>
  {{#if renameError}}<div class="alert alert-error" role="alert" id="rename-error">{{renameError}}</div>{{/if}}
  <form method="post" action="/w/{{workspace.id}}/name">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="workspace-name">Workspace name</label>
    <input id="workspace-name" name="name" type="text" required maxlength="120" value="{{workspace.name}}"{{#if renameError}} aria-describedby="rename-error"{{/if}}>
    <p><button type="submit">Rename</button></p>
  </form>
</section>
{{/if}}
<section aria-labelledby="members-h">
  <h2 id="members-h">Members</h2>
  <div class="table-wrap">
    <table>
      <caption class="muted">People in {{workspace.name}}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th></tr></thead>
      <tbody>
        {{#each members}}
        <tr><td>{{displayName}}</td><td>{{email}}</td><td>{{role}}</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const NO_WORKSPACE_TEMPLATE = `
<h1>No workspace yet</h1>
<div class="card"><p>You are signed in as {{email}}, but you are not a member of any workspace. Ask a workspace owner to add you.</p></div>
`;

export const ADMIN_TEMPLATE = `
<h1>Admin</h1>
<p class="muted">Operator workspace. Providers, prices, routing and payments will be managed here.</p>
<section aria-labelledby="ws-h">
  <h2 id="ws-h">Workspaces</h2>
  <div class="table-wrap">
    <table>
      <thead><tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Created</th><th scope="col">Id</th></tr></thead>
      <tbody>
        {{#each workspaces}}
        <tr><td>{{name}}</td><td>{{memberCount}}</td><td>{{date createdAt}}</td><td><code>{{id}}</code></td></tr>
        {{else}}
        <tr><td colspan="4">No workspaces yet.</td></tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
`;

export const ERROR_TEMPLATE = `
<h1>{{heading}}</h1>
<div class="card" role="alert"><p>{{message}}</p></div>
<p><a href="{{backHref}}">{{backLabel}}</a></p>
`;
