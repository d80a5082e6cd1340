import Handlebars from 'handlebars';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import type { PortalPrincipal } from '../identity/principal';
import {
  BILLING_TEMPLATE,
  DASHBOARD_TEMPLATE,
  KEYS_TEMPLATE,
  REQUESTS_TEMPLATE,
  STATEMENT_TEMPLATE,
  WORKSPACE_NAV_PARTIAL,
} from './workspace-templates';

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('wsnav', WORKSPACE_NAV_PARTIAL);

const SOURCES = {
  dashboard: DASHBOARD_TEMPLATE,
  requests: REQUESTS_TEMPLATE,
  keys: KEYS_TEMPLATE,
  billing: BILLING_TEMPLATE,
  statement: STATEMENT_TEMPLATE,
} as const;

export type WorkspaceSection = keyof typeof SOURCES;

const TITLES: Record<WorkspaceSection, string> = {
  dashboard: 'Dashboard',
  requests: 'Requests',
  keys: 'API keys',
  billing: 'Billing',
  statement: 'Statement',
};

// Compiled once per process, on first use.
const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(name: WorkspaceSection | 'layout'): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(name === 'layout' ? LAYOUT_TEMPLATE : SOURCES[name], { strict: false });
    compiled.set(name, t);
  }
  return t;
}

/** A workspace data page in the portal layout; Handlebars escapes every `{{value}}`. */
export function renderWorkspacePage(
  section: WorkspaceSection,
  data: { ws: { id: string; name: string }; error?: string; notice?: string } & object,
  principal: PortalPrincipal,
): string {
  const body = template(section)({ ...data, section, csrfToken: principal.csrfToken });
  return template('layout')({
    title: `${TITLES[section]} · ${data.ws.name}`,
    principal,
    currentWorkspaceId: data.ws.id,
    cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
    body,
  });
}
