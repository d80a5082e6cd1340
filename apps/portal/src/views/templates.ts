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
{{> notices}}
<div class="grid">
  <section class="card" aria-labelledby="balance-h"><h2 id="balance-h"><a href="/w/{{workspace.id}}/dashboard">Dashboard</a></h2><p class="muted">Balance and spend per day by model. <a href="/w/{{workspace.id}}/requests">Request log</a>, <a href="/w/{{workspace.id}}/statement">statement</a>.</p></section>
  <section class="card" aria-labelledby="keys-h"><h2 id="keys-h"><a href="/w/{{workspace.id}}/keys">API keys</a></h2><p class="muted">Create, limit and revoke keys.</p></section>
  <section class="card" aria-labelledby="billing-h"><h2 id="billing-h"><a href="/w/{{workspace.id}}/billing">Billing</a></h2><p class="muted">Credit packages, orders and the billing profile.</p></section>
</div>
<section aria-labelledby="members-h">
  <h2 id="members-h">Members</h2>
  <div class="table-wrap">
    <table class="stack">
      <caption class="muted">People in {{workspace.name}}</caption>
      <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th>{{#if canManage}}<th scope="col"><span class="visually-hidden">Actions</span></th>{{/if}}</tr></thead>
      <tbody>
        {{#each members}}
        <tr><td data-label="Name">{{displayName}}</td><td data-label="Email">{{email}}</td><td data-label="Role">{{role}}</td>{{#if ../canManage}}<td>
          <form method="post" action="/w/{{../workspace.id}}/members/{{userId}}/remove" class="inline">
            <input type="hidden" name="_csrf" value="{{../csrfToken}}">
            <button type="submit" class="button-quiet" aria-label="Remove {{email}}">Remove</button>
          </form></td>{{/if}}</tr>
        {{/each}}
      </tbody>
    </table>
  </div>
</section>
{{#if canManage}}
<div class="grid">
<section class="card" aria-labelledby="add-member-h">
  <h2 id="add-member-h">Add a member</h2>
  <form method="post" action="/w/{{workspace.id}}/members">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="member-email">Email</label>
    <input id="member-email" name="email" type="email" required autocomplete="off">
    <label for="member-role">Role</label>
    <select id="member-role" name="role">
      <option value="member">Member: uses the API, sees usage</option>
      <option value="billing">Billing: payments and invoices</option>
      <option value="owner">Owner: everything, manages members</option>
    </select>
    <p class="muted">A new email gets an account with an initial password, shown to you once.</p>
    <p><button type="submit">Add member</button></p>
  </form>
</section>
<section class="card" aria-labelledby="settings-h">
  <h2 id="settings-h">Settings</h2>
  <form method="post" action="/w/{{workspace.id}}/name">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="workspace-name">Workspace name</label>
    <input id="workspace-name" name="name" type="text" required maxlength="120" value="{{workspace.name}}">
    <p><button type="submit">Rename</button></p>
  </form>
</section>
</div>
{{/if}}
`;

export const NO_WORKSPACE_TEMPLATE = `
<h1>No workspace yet</h1>
<div class="card"><p>You are signed in as {{email}}, but you are not a member of any workspace. Ask a workspace owner to add you.</p></div>
`;

// The admin pages' templates live in ../admin/admin-templates.ts.

export const ERROR_TEMPLATE = `
<h1>{{heading}}</h1>
<div class="card" role="alert"><p>{{message}}</p></div>
<p><a href="{{backHref}}">{{backLabel}}</a></p>
`;

/** Outcome of the last form on the page: an error, a confirmation, or a password to hand over once. */
export const NOTICES_PARTIAL = `
{{#if error}}<div class="alert alert-error" role="alert">{{error}}</div>{{/if}}
{{#if notice}}<div class="alert alert-ok" role="status">{{notice}}</div>{{/if}}
{{#if initialPassword}}
<div class="alert alert-ok" role="status">
  <p>Initial password for <strong>{{initialPassword.email}}</strong>, shown only now. Hand it over securely; they can change it under Account.</p>
  <p><code class="secret">{{initialPassword.password}}</code></p>
</div>
{{/if}}
`;

export const ACCOUNT_TEMPLATE = `
<h1>Account</h1>
<p class="muted">Signed in as {{email}}.</p>
{{> notices}}
<section class="card" aria-labelledby="pw-h">
  <h2 id="pw-h">Change password</h2>
  <form method="post" action="/account/password">
    <input type="hidden" name="_csrf" value="{{csrfToken}}">
    <label for="current-password">Current password</label>
    <input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required>
    <label for="new-password">New password (at least 10 characters)</label>
    <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="10">
    <label for="confirm-password">New password again</label>
    <input id="confirm-password" name="confirmPassword" type="password" autocomplete="new-password" required minlength="10">
    <p><button type="submit">Change password</button></p>
  </form>
  <p class="muted">Changing the password signs out every other session.</p>
</section>
`;
