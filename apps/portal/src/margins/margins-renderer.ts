import Handlebars from 'handlebars';
import type { FastifyReply } from 'fastify';
import { ADMIN_NAV_PARTIAL } from '../admin/admin-templates';
import type { PortalPrincipal } from '../identity/principal';
import { sendHtml } from '../layout/html-response';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import { CORRECTIONS_TEMPLATE, JOB_TEMPLATE, MARGINS_TEMPLATE, PREVIEW_TEMPLATE } from './margins-templates';

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('adminnav', ADMIN_NAV_PARTIAL);

const PAGES = {
  margins: { source: MARGINS_TEMPLATE, title: 'Margin review' },
  corrections: { source: CORRECTIONS_TEMPLATE, title: 'Corrections' },
  preview: { source: PREVIEW_TEMPLATE, title: 'Correction preview' },
  job: { source: JOB_TEMPLATE, title: 'Applying a correction' },
} as const;

export type MarginsPage = keyof typeof PAGES;

const compiled = new Map<string, Handlebars.TemplateDelegate>();
function template(name: MarginsPage | 'layout'): Handlebars.TemplateDelegate {
  let t = compiled.get(name);
  if (!t) {
    t = hbs.compile(name === 'layout' ? LAYOUT_TEMPLATE : PAGES[name].source, { strict: false });
    compiled.set(name, t);
  }
  return t;
}

export function renderMarginsPage(
  page: MarginsPage,
  data: { error?: string; notice?: string } & Record<string, unknown>,
  principal: PortalPrincipal,
): string {
  const body = template(page)({ ...data, section: 'margins', csrfToken: principal.csrfToken });
  return template('layout')({
    title: `${PAGES[page].title} · Admin`,
    principal,
    adminSection: true,
    cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
    body,
  });
}

/** A page in the admin layout; `refreshSeconds` reloads it (progress) without any script. */
export function sendMarginsPage(
  reply: FastifyReply,
  status: number,
  page: MarginsPage,
  data: { error?: string; notice?: string } & Record<string, unknown>,
  principal: PortalPrincipal,
  refreshSeconds?: number,
): void {
  if (refreshSeconds) reply.header('refresh', String(refreshSeconds));
  sendHtml(reply, status, renderMarginsPage(page, data, principal));
}
