import type { Pool } from 'pg';
import type { OrderView } from '@tollgate/payments';
import { PostgresEventStore } from '@tollgate/event-store';
import { createWorkspaceWithOwner } from '@tollgate/identity';
import { verifyCommand } from '@tollgate/projections';
import type { RunningTollgate } from '../../../apps/cli/src/commands/start';
import { ALL_PROJECTIONS } from '../../../apps/cli/src/projections';
import { PortalClient } from '../portal/portal-test-app';
import { eventually, startAllInOne, type AllInOne } from '../support/all-in-one';

jest.setTimeout(60_000);

/** The fields this spec reads from the customer payments API. */
interface ApiBody {
  order: OrderView;
  checkout: { url: string };
}

describe('buying credits in the all-in-one product (sandbox checkout)', () => {
  let app: AllInOne;
  let running: RunningTollgate;
  let pool: Pool;

  beforeAll(async () => {
    app = await startAllInOne();
    ({ running, pool } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('given the demo customer, when it pays a package on the sandbox page, then credits arrive once, statement and order agree, a numbered invoice is finalized and verify passes', async () => {
    const demo = running.demo!;
    const portal = new PortalClient(running.url);
    expect((await portal.signIn(demo.customerEmail, demo.customerPassword)).status).toBe(303);
    const cookie = `tg_session=${encodeURIComponent(portal.cookie('tg_session')!)}`;
    const me = (await (await fetch(`${running.url}/api/me`, { headers: { cookie } })).json()) as {
      csrfToken: string;
    };
    const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
      const res = await fetch(`${running.url}/api/workspaces/${demo.workspaceId}${path}`, {
        method,
        headers: {
          cookie,
          'x-csrf-token': me.csrfToken,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...extra,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as ApiBody };
    };

    const before = await eventually(async () => {
      const { rows } = await pool.query('SELECT posted_nanocredits FROM balances WHERE account_id = $1', [
        demo.workspaceId,
      ]);
      return rows[0] ? BigInt(rows[0].posted_nanocredits) : undefined;
    }, 'the seeded balance');
    expect(before).toBe(25_000_000_000n);

    const profile = await call('PUT', '/billing-profile', {
      legalName: 'Demo Customer Ltd',
      addressLines: ['1 Demo Street'],
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
      invoiceEmail: 'billing@demo.test',
    });
    expect(profile.status).toBe(200);
    const created = await call(
      'POST',
      '/payments/orders',
      { packageId: 'individual' },
      { 'idempotency-key': 'demo-buy-0001' },
    );
    if (created.status !== 201) throw new Error(`order not created: ${JSON.stringify(created.body)}`);
    const order = created.body.order;
    const checkout = await call('POST', `/payments/orders/${order.orderId}/checkout`);
    expect(checkout.status).toBe(200);
    const pagePath = new URL(checkout.body.checkout.url).pathname;
    const paid = await fetch(`${running.url}${pagePath}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);

    const credited = BigInt(order.creditsNanocredits);
    expect(credited).toBeGreaterThan(0n);
    const after = await eventually(async () => {
      const { rows } = await pool.query('SELECT posted_nanocredits FROM balances WHERE account_id = $1', [
        demo.workspaceId,
      ]);
      const posted = BigInt(rows[0].posted_nanocredits);
      return posted > before ? posted : undefined;
    }, 'credits from the payment');
    expect(after - before).toBe(credited);

    // The statement's lines sum to the balance, purchase included.
    const { rows: lines } = await pool.query(
      'SELECT amount_nanocredits::text AS a FROM statement_lines WHERE account_id = $1',
      [demo.workspaceId],
    );
    expect(lines.reduce((s, r) => s + BigInt(r.a), 0n)).toBe(after);

    const invoice = await eventually(async () => {
      const { rows } = await pool.query(
        "SELECT invoice_number, gross_minor::text AS gross FROM invoices WHERE order_id = $1 AND status = 'finalized'",
        [order.orderId],
      );
      return rows[0] as { invoice_number: string; gross: string } | undefined;
    }, 'the finalized invoice');
    expect(invoice.invoice_number).toMatch(/^TG-\d{4}-000001$/);
    expect(invoice.gross).toBe(order.quote.tax.grossMinor);

    // The order shows the same figures, and the auditor's verify finds every read model consistent.
    const view = await call('GET', `/payments/orders/${order.orderId}`);
    expect(view.body.order).toMatchObject({
      status: 'confirmed',
      creditsNanocredits: order.creditsNanocredits,
    });
    const store = new PostgresEventStore({ pool });
    try {
      let output = '';
      const sink = { write: (chunk: string) => (output += chunk), isTTY: false };
      expect(await verifyCommand({ pool, store, projections: ALL_PROJECTIONS }, {}, sink)).toBe(0);
      expect(output).toContain('read models match the event store');
    } finally {
      await store.close();
    }
  });

  it.each([
    ['invalid JSON labelled as JSON', 'application/json', '{"id": "evt_broken", '],
    ['a body with an unexpected content type', 'text/csv', 'id,type\nevt_1,checkout.session.completed'],
  ])(
    'given %s, when it reaches /webhooks/sandbox, then it gets 400, changes no balance and is kept for audit',
    async (_label, contentType, body) => {
      const accountId = running.demo!.workspaceId;
      const balance = async () =>
        (
          await pool.query('SELECT posted_nanocredits::text AS p FROM balances WHERE account_id = $1', [
            accountId,
          ])
        ).rows[0].p as string;
      const before = await balance();
      const { rows: receiptsBefore } = await pool.query('SELECT count(*)::int AS n FROM webhook_receipts');
      const res = await fetch(`${running.url}/webhooks/sandbox`, {
        method: 'POST',
        headers: { 'content-type': contentType, 'tollgate-signature': 't=1,v1=00' },
        body,
      });
      expect(res.status).toBe(400);
      const { rows: receiptsAfter } = await pool.query('SELECT count(*)::int AS n FROM webhook_receipts');
      expect(receiptsAfter[0].n).toBe(receiptsBefore[0].n + 1);
      const { rows: newest } = await pool.query(
        'SELECT verified, verification_error FROM webhook_receipts ORDER BY first_received_at DESC LIMIT 1',
      );
      expect(newest[0].verified).toBe(false);
      expect(newest[0].verification_error).toBeTruthy();
      expect(await balance()).toBe(before);
    },
  );

  describe('invoice documents over the JSON API', () => {
    const admin = () => ({ authorization: `Bearer ${running.config.adminToken}` });

    it('given a finalized invoice, when the owner lists and downloads, then it is there with exact amounts and a PDF', async () => {
      const demo = running.demo!;
      const portal = new PortalClient(running.url);
      await portal.signIn(demo.customerEmail, demo.customerPassword);
      const cookie = `tg_session=${encodeURIComponent(portal.cookie('tg_session')!)}`;
      const list = await fetch(`${running.url}/api/workspaces/${demo.workspaceId}/invoices`, {
        headers: { cookie },
      });
      expect(list.status).toBe(200);
      const body = (await list.json()) as {
        invoices: { invoiceId: string; number: string; grossMinor: string }[];
      };
      expect(body.invoices).toHaveLength(1);
      expect(body.invoices[0].number).toMatch(/^TG-\d{4}-000001$/);
      expect(body.invoices[0].grossMinor).toMatch(/^\d+$/);
      const pdf = await fetch(
        `${running.url}/api/workspaces/${demo.workspaceId}/invoices/${body.invoices[0].invoiceId}/pdf`,
        { headers: { cookie } },
      );
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(
        Buffer.from(await pdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
    });

    it('given another workspace, when its owner asks for the demo invoices by id, then 404 and nothing leaks', async () => {
      const other = await createWorkspaceWithOwner(pool, {
        workspaceName: 'Other Co',
        ownerEmail: 'owner@other.test',
        ownerPassword: 'correct horse battery',
      });
      const portal = new PortalClient(running.url);
      await portal.signIn('owner@other.test', 'correct horse battery');
      const cookie = `tg_session=${encodeURIComponent(portal.cookie('tg_session')!)}`;
      const { rows } = await pool.query('SELECT invoice_id FROM invoices LIMIT 1');
      const demoInvoice = rows[0].invoice_id as string;
      const theirs = await fetch(`${running.url}/api/workspaces/${running.demo!.workspaceId}/invoices`, {
        headers: { cookie },
      });
      expect(theirs.status).toBe(404);
      const byId = await fetch(
        `${running.url}/api/workspaces/${other.workspace.id}/invoices/${demoInvoice}/pdf`,
        {
          headers: { cookie },
        },
      );
      expect(byId.status).toBe(404);
      expect(await byId.text()).not.toContain('TG-');
      const own = await fetch(`${running.url}/api/workspaces/${other.workspace.id}/invoices`, {
        headers: { cookie },
      });
      expect(((await own.json()) as { invoices: unknown[] }).invoices).toEqual([]);
    });

    it('given an admin, when the order is partly refunded, then a numbered credit note appears and both PDFs download', async () => {
      const { rows } = await pool.query(
        "SELECT order_id, invoice_id, invoice_number FROM invoices WHERE status = 'finalized'",
      );
      const { order_id: orderId, invoice_id: invoiceId, invoice_number: number } = rows[0];
      const refund = await fetch(`${running.url}/admin/api/payments/orders/${orderId}/refunds`, {
        method: 'POST',
        headers: { ...admin(), 'content-type': 'application/json' },
        body: JSON.stringify({ refundId: 'refund-demo-0001', credits: '1', reason: 'goodwill' }),
      });
      expect(refund.status).toBeLessThan(300);
      const notes = await eventually(async () => {
        const res = await fetch(`${running.url}/admin/api/invoices`, { headers: admin() });
        const body = (await res.json()) as { creditNotes: { creditNoteId: string; number: string }[] };
        return body.creditNotes.length > 0 ? body.creditNotes : undefined;
      }, 'the credit note');
      expect(notes[0].number).toBe(`${number}-CN001`);
      const invoicePdf = await fetch(`${running.url}/admin/api/invoices/${invoiceId}/pdf`, {
        headers: admin(),
      });
      expect(invoicePdf.status).toBe(200);
      const notePdf = await fetch(
        `${running.url}/admin/api/invoices/${invoiceId}/credit-notes/${notes[0].creditNoteId}/pdf`,
        { headers: admin() },
      );
      expect(notePdf.status).toBe(200);
      expect(
        Buffer.from(await notePdf.arrayBuffer())
          .subarray(0, 5)
          .toString(),
      ).toBe('%PDF-');
    });

    it('given a signed-in admin, when the admin page is opened, then it lists the invoice with a PDF link that downloads', async () => {
      const demo = running.demo!;
      const portal = new PortalClient(running.url);
      expect((await portal.signIn(demo.adminEmail, demo.adminPassword)).status).toBe(303);
      const page = await portal.request('/admin');
      expect(page.status).toBe(200);
      const link = /href="(\/admin\/api\/invoices\/[^"]+\/pdf)">Download (TG-\d{4}-000001)</.exec(page.body);
      expect(link).not.toBeNull();
      const cookie = `tg_session=${encodeURIComponent(portal.cookie('tg_session')!)}`;
      const pdf = await fetch(`${running.url}${link![1]}`, { headers: { cookie } });
      expect(pdf.status).toBe(200);
      expect(pdf.headers.get('content-disposition')).toContain(`${link![2]}.pdf`);
    });

    it('given no admin credentials or a bad page size, when the admin list is asked, then 401 and 400 with a clear error', async () => {
      expect((await fetch(`${running.url}/admin/api/invoices`)).status).toBe(401);
      const bad = await fetch(`${running.url}/admin/api/invoices?limit=5000`, { headers: admin() });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await bad.json())).toContain('limit');
    });
  });
});
