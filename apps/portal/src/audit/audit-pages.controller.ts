import { PassThrough } from 'node:stream';
import { Controller, Get, Inject, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import Handlebars from 'handlebars';
import type { FastifyReply } from 'fastify';
import type { Pool } from 'pg';
import { AUDIT_ACTIONS } from '@tollgate/projections';
import { CurrentUser } from '../identity/decorators';
import { ADMIN_NAV_PARTIAL } from '../admin/admin-templates';
import { AdminGuard } from '../identity/guards';
import { PORTAL_POOL } from '../identity/portal-options';
import type { PortalPrincipal } from '../identity/principal';
import { sendHtml } from '../layout/html-response';
import { LAYOUT_TEMPLATE } from '../layout/layout.template';
import { PORTAL_CSS_PATH, PORTAL_CSS_VERSION } from '../layout/portal.css';
import { PortalPageExceptionFilter } from '../views/page-exception.filter';
import { parseQuery } from '../workspace/query-schemas';
import { writeAuditCsv } from './audit-csv';
import { AuditQuerySchema, auditQueryString } from './audit-query';
import { auditPage, auditRowsForExport, changedFields } from './audit-read';
import { AUDIT_TEMPLATE } from './audit-templates';

/** A CSV export holds at most this many rows; narrow the filters for more. */
export const AUDIT_CSV_MAX_ROWS = 100_000;

const hbs = Handlebars.create();
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerPartial('adminnav', ADMIN_NAV_PARTIAL);
let page: Handlebars.TemplateDelegate | undefined;
let layout: Handlebars.TemplateDelegate | undefined;

const time = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

/**
 * `/admin/audit`: the audit log read model, filtered (actor, action, workspace, UTC days) and paged,
 * and the same filters as an RFC 4180 CSV. Admins only (AdminGuard: others get 404).
 */
@Controller('admin')
@UseFilters(PortalPageExceptionFilter)
@UseGuards(AdminGuard)
export class AuditPagesController {
  constructor(@Inject(PORTAL_POOL) private readonly pool: Pool) {}

  @Get('audit')
  async list(
    @CurrentUser() principal: PortalPrincipal,
    @Query() query: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const filter = parseQuery(AuditQuerySchema, query);
    const { rows, hasMore } = await auditPage(this.pool, filter);
    const href = (p: number) => `/admin/audit?${auditQueryString(filter, { page: p })}`;
    const csvQuery = auditQueryString(filter);
    page ??= hbs.compile(AUDIT_TEMPLATE, { strict: false });
    layout ??= hbs.compile(LAYOUT_TEMPLATE, { strict: false });
    const body = page({
      section: 'audit',
      filter,
      actions: AUDIT_ACTIONS.map((a) => ({ value: a, selected: a === filter.action })),
      csvHref: `/admin/audit.csv${csvQuery ? `?${csvQuery}` : ''}`,
      rows: rows.map((r) => ({
        ...r,
        time: time(r.occurredAt),
        changes: changedFields(r.before, r.after),
        beforeJson: r.before ? JSON.stringify(r.before, null, 2) : 'none',
        afterJson: r.after ? JSON.stringify(r.after, null, 2) : 'none',
      })),
      prevHref: filter.page > 1 ? href(filter.page - 1) : '',
      nextHref: hasMore ? href(filter.page + 1) : '',
    });
    sendHtml(
      reply,
      200,
      layout({
        title: 'Audit log',
        principal,
        adminSection: true,
        cssHref: `${PORTAL_CSS_PATH}?v=${PORTAL_CSS_VERSION}`,
        body,
      }),
    );
  }

  /** Streamed: the rows are read in keyset chunks and written as they come. */
  @Get('audit.csv')
  async csv(@Query() query: unknown, @Res() reply: FastifyReply): Promise<void> {
    const filter = parseQuery(AuditQuerySchema, query);
    const out = new PassThrough();
    reply
      .code(200)
      .header('content-type', 'text/csv; charset=utf-8; header=present')
      .header(
        'content-disposition',
        `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`,
      )
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff');
    void reply.send(out);
    try {
      await writeAuditCsv(auditRowsForExport(this.pool, filter, { maxRows: AUDIT_CSV_MAX_ROWS }), out);
      out.end();
    } catch (err) {
      // Headers are gone already: cut the body, so the client sees an incomplete download.
      out.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
