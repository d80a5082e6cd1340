import Handlebars from 'handlebars';
import type { PortalPrincipal } from '../identity/principal';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import { WORKSPACE_NAV_PARTIAL } from '../workspace/workspace-templates';
import { ALERTS_TEMPLATE } from './alerts-templates';

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('wsnav', WORKSPACE_NAV_PARTIAL);

let page: Handlebars.TemplateDelegate | undefined;
let layout: Handlebars.TemplateDelegate | undefined;

/** The alerts page in the portal layout; Handlebars escapes every `{{value}}`. */
export function renderAlertsPage(
  data: { ws: { id: string; name: string }; error?: string; notice?: string; [key: string]: unknown },
  principal: PortalPrincipal,
): string {
  page ??= hbs.compile(ALERTS_TEMPLATE, { strict: false });
  layout ??= hbs.compile(LAYOUT_TEMPLATE, { strict: false });
  return layout({
    title: `Alerts · ${data.ws.name}`,
    principal,
    currentWorkspaceId: data.ws.id,
    cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
    body: page({ ...data, section: 'alerts', csrfToken: principal.csrfToken }),
  });
}
