import Handlebars from 'handlebars';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import type { PortalPrincipal } from '../identity/principal';
import {
  ACCOUNT_TEMPLATE,
  NOTICES_PARTIAL,
  ERROR_TEMPLATE,
  LOGIN_TEMPLATE,
  NO_WORKSPACE_TEMPLATE,
  WORKSPACE_TEMPLATE,
} from './templates';

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('notices', NOTICES_PARTIAL);
hbs.registerHelper('date', (d: unknown) => (d instanceof Date ? d.toISOString().slice(0, 10) : ''));

const SOURCES = {
  login: LOGIN_TEMPLATE,
  workspace: WORKSPACE_TEMPLATE,
  'no-workspace': NO_WORKSPACE_TEMPLATE,
  account: ACCOUNT_TEMPLATE,
  error: ERROR_TEMPLATE,
} as const;

export type ViewName = keyof typeof SOURCES;

// Compiled once per process, on first use.
const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(name: ViewName | 'layout'): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(name === 'layout' ? LAYOUT_TEMPLATE : SOURCES[name], { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export interface PageFrame {
  title: string;
  principal?: PortalPrincipal | null;
  currentWorkspaceId?: string;
  adminSection?: boolean;
  accountSection?: boolean;
}

/** A whole page: the view rendered into the layout. Handlebars escapes every `{{value}}`. */
export function renderPage(view: ViewName, data: object, frame: PageFrame): string {
  const body = template(view)(data);
  return template('layout')({
    ...frame,
    principal: frame.principal ?? null,
    cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
    body,
  });
}
