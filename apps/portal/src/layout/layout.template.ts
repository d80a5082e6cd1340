/**
 * The page frame: skip link, top bar with workspace switcher, admin link and sign-out form (which
 * carries the session's CSRF token), then the page. `{{{body}}}` is already-rendered, escaped HTML.
 */
export const LAYOUT_TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}} · Tollgate</title>
<link rel="stylesheet" href="{{cssHref}}">
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <div class="topbar-inner">
    <a class="brand" href="/">Tollgate</a>
    {{#if principal}}
    <nav aria-label="Workspaces">
      <ul>
        {{#each principal.memberships}}
        <li><a href="/w/{{workspaceId}}"{{#if (eq workspaceId ../currentWorkspaceId)}} aria-current="page"{{/if}}>{{workspaceName}}</a></li>
        {{/each}}
        {{#if principal.user.isAdmin}}
        <li><a href="/admin"{{#if adminSection}} aria-current="page"{{/if}}>Admin</a></li>
        {{/if}}
      </ul>
    </nav>
    <div class="who">
      <a href="/account"{{#if accountSection}} aria-current="page"{{/if}}>{{principal.user.email}}</a>
      <form method="post" action="/logout">
        <input type="hidden" name="_csrf" value="{{principal.csrfToken}}">
        <button type="submit" class="button-quiet">Sign out</button>
      </form>
    </div>
    {{/if}}
  </div>
</header>
<main id="main" tabindex="-1">
{{{body}}}
</main>
</body>
</html>
`;
