import Handlebars from 'handlebars';
import type { FastifyReply } from 'fastify';
import type { PortalPrincipal } from '../identity/principal';
import { sendHtml } from '../layout/html-response';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import {
  ADMIN_ALIAS_EDIT_TEMPLATE,
  ADMIN_ALIASES_TEMPLATE,
  ADMIN_NAV_PARTIAL,
  ADMIN_ORDERS_TEMPLATE,
  ADMIN_OVERVIEW_TEMPLATE,
  ADMIN_PRICES_TEMPLATE,
  ADMIN_PROJECTIONS_TEMPLATE,
  ADMIN_PROVIDERS_TEMPLATE,
  ADMIN_WORKSPACE_TEMPLATE,
} from './admin-templates';

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
// Alias names may hold '/' or ':': one path segment each in links and form actions.
hbs.registerHelper('uri', (v: unknown) => encodeURIComponent(String(v)));
hbs.registerHelper('date', (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : ''));
hbs.registerPartial('adminnav', ADMIN_NAV_PARTIAL);

const PAGES = {
  overview: { source: ADMIN_OVERVIEW_TEMPLATE, title: 'Admin', section: 'workspaces' },
  workspace: { source: ADMIN_WORKSPACE_TEMPLATE, title: 'Workspace', section: 'workspaces' },
  providers: { source: ADMIN_PROVIDERS_TEMPLATE, title: 'Providers', section: 'providers' },
  prices: { source: ADMIN_PRICES_TEMPLATE, title: 'Costs and prices', section: 'prices' },
  aliases: { source: ADMIN_ALIASES_TEMPLATE, title: 'Aliases and routing', section: 'aliases' },
  'alias-edit': { source: ADMIN_ALIAS_EDIT_TEMPLATE, title: 'Edit routing', section: 'aliases' },
  orders: { source: ADMIN_ORDERS_TEMPLATE, title: 'Payments', section: 'orders' },
  projections: { source: ADMIN_PROJECTIONS_TEMPLATE, title: 'Projections', section: 'projections' },
} as const;

export type AdminPage = keyof typeof PAGES;

// Compiled once per process, on first use.
const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(name: AdminPage | 'layout'): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(name === 'layout' ? LAYOUT_TEMPLATE : PAGES[name].source, { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export interface AdminNotices {
  error?: string;
  notice?: string;
}

/** An admin page in the portal layout; Handlebars escapes every `{{value}}`. */
export function renderAdminPage(
  page: AdminPage,
  data: AdminNotices & Record<string, unknown>,
  principal: PortalPrincipal,
): string {
  const { title, section } = PAGES[page];
  const body = template(page)({ ...data, section, csrfToken: principal.csrfToken });
  return template('layout')({
    title: `${title} · Admin`,
    principal,
    adminSection: true,
    cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
    body,
  });
}

// The projections page loads one script of ours (progress polling); every other page has none.
const SCRIPTED_CSP =
  "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function sendAdminPage(
  reply: FastifyReply,
  status: number,
  page: AdminPage,
  data: AdminNotices & Record<string, unknown>,
  principal: PortalPrincipal,
): void {
  const html = renderAdminPage(page, data, principal);
  if (page !== 'projections') return sendHtml(reply, status, html);
  // sendHtml's headers, with a policy that lets our own script run and read the status JSON.
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', SCRIPTED_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(html);
}
