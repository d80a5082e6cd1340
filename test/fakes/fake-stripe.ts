import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

/**
 * A local stand-in for api.stripe.com: a real HTTP server on 127.0.0.1 that the real `stripe` client
 * talks to (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`). It speaks Stripe's
 * form-encoded requests, honours Idempotency-Key like Stripe (same key → same response) and answers with
 * objects shaped from Stripe's own fixtures (shared/stripe-fixtures.json, from stripe/openapi).
 */

type Json = Record<string, unknown>;

/** `<repo root>/../shared/stripe-fixtures.json` (CI copies shared/ beside the clone). */
export function loadStripeFixtures(): Record<string, Json> {
  const path = resolve(__dirname, '..', '..', '..', 'shared', 'stripe-fixtures.json');
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { resources: Record<string, Json> };
  return parsed.resources;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** `a[b][0][c]=1` → { a: { b: [ { c: '1' } ] } } (Stripe's form encoding). */
export function parseStripeForm(body: string): Json {
  const root: Json = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    for (let i = 0; i < path.length; i++) {
      const k = path[i];
      if (i === path.length - 1) {
        node[k] = value;
      } else {
        const nextIsIndex = /^\d+$/.test(path[i + 1]);
        node[k] ??= nextIsIndex ? [] : {};
        node = node[k] as Record<string, unknown>;
      }
    }
  }
  return root;
}

export interface RecordedRequest {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  authorization: string | undefined;
  body: Json;
}

export class FakeStripe {
  readonly fixtures = loadStripeFixtures();
  readonly requests: RecordedRequest[] = [];
  readonly sessions = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  /** Idempotency-Key → [status, body]: a replay returns the first answer. */
  private readonly idempotent = new Map<string, [number, Json]>();
  private server: Server | undefined;
  private seq = 0;
  /** Set to make the next N refund calls fail with a 500 (provider outage). */
  failNextRefunds = 0;

  async start(): Promise<{ host: string; port: number }> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((ok) => this.server!.listen(0, '127.0.0.1', ok));
    return { host: '127.0.0.1', port: (this.server.address() as AddressInfo).port };
  }

  async stop(): Promise<void> {
    await new Promise<void>((ok) => (this.server ? this.server.close(() => ok()) : ok()));
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}_test_${String(this.seq).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = req.method === 'GET' ? Object.fromEntries(url.searchParams) : parseStripeForm(raw);
    const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      idempotencyKey,
      authorization: req.headers.authorization,
      body,
    });
    const send = (status: number, json: Json) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': this.nextId('req') });
      res.end(JSON.stringify(json));
    };
    const cacheKey = idempotencyKey ? `${req.method} ${url.pathname} ${idempotencyKey}` : undefined;
    if (cacheKey && this.idempotent.has(cacheKey)) {
      const [status, json] = this.idempotent.get(cacheKey)!;
      res.setHeader('idempotent-replayed', 'true');
      return send(status, json);
    }
    const [status, json] = this.handle(req.method ?? 'GET', url.pathname, body);
    if (cacheKey && status < 500) this.idempotent.set(cacheKey, [status, json]);
    send(status, json);
  }

  private handle(method: string, path: string, body: Json): [number, Json] {
    if (method === 'POST' && path === '/v1/checkout/sessions') return [200, this.createSession(body)];
    const m = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const s = this.sessions.get(m[1]);
      return s ? [200, s] : [404, this.error('resource_missing', `No such checkout.session: '${m[1]}'`)];
    }
    if (method === 'POST' && path === '/v1/refunds') {
      if (this.failNextRefunds > 0) {
        this.failNextRefunds -= 1;
        return [500, this.error('api_error', 'fake outage')];
      }
      return [200, this.createRefund(body)];
    }
    return [404, this.error('resource_missing', `Unrecognized request URL (${method}: ${path})`)];
  }

  private error(code: string, message: string): Json {
    return { error: { type: code === 'api_error' ? 'api_error' : 'invalid_request_error', code, message } };
  }

  private createSession(body: Json): Json {
    const items = (body.line_items ?? []) as Array<{
      quantity?: string;
      price_data?: { unit_amount?: string; currency?: string };
    }>;
    const total = items.reduce(
      (s, i) => s + Number(i.price_data?.unit_amount ?? 0) * Number(i.quantity ?? 1),
      0,
    );
    const id = this.nextId('cs');
    const session = {
      ...clone(this.fixtures['checkout.session']),
      id,
      object: 'checkout.session',
      mode: body.mode ?? 'payment',
      client_reference_id: body.client_reference_id ?? null,
      metadata: body.metadata ?? {},
      amount_subtotal: total,
      amount_total: total,
      currency: items[0]?.price_data?.currency ?? 'usd',
      customer_email: body.customer_email ?? null,
      success_url: body.success_url,
      cancel_url: body.cancel_url,
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      url: `https://checkout.stripe.test/c/pay/${id}`,
      created: Math.floor(Date.now() / 1000),
      expires_at: Math.floor(Date.now() / 1000) + 86_400,
    };
    this.sessions.set(id, session);
    return session;
  }

  private createRefund(body: Json): Json {
    const refund = {
      ...clone(this.fixtures.refund),
      id: this.nextId('re'),
      amount: Number(body.amount),
      payment_intent: body.payment_intent ?? null,
      metadata: body.metadata ?? {},
      currency: 'usd',
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
    this.refunds.set(refund.id, refund);
    return refund;
  }

  // ── what Stripe would send to the webhook endpoint ─────────────────────────

  /** The session as Stripe reports it once paid (amount/currency overridable to test mismatches). */
  completedSession(sessionId: string, over: Json = {}): Json {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`unknown session ${sessionId}`);
    const paid = {
      ...s,
      status: 'complete',
      payment_status: 'paid',
      payment_intent: `pi_for_${sessionId}`,
      ...over,
    };
    this.sessions.set(sessionId, paid);
    return paid;
  }

  expiredSession(sessionId: string): Json {
    const s = this.sessions.get(sessionId);
    if (!s) throw new Error(`unknown session ${sessionId}`);
    return { ...s, status: 'expired', payment_status: 'unpaid', url: null };
  }

  /** A charge after refunds totalling `amountRefunded` (Stripe's charge.refunded payload object). */
  refundedCharge(paymentIntentId: string, amount: number, amountRefunded: number, currency = 'usd'): Json {
    return {
      ...clone(this.fixtures.charge),
      id: this.nextId('ch'),
      amount,
      amount_captured: amount,
      amount_refunded: amountRefunded,
      currency,
      payment_intent: paymentIntentId,
      refunded: amountRefunded >= amount,
      metadata: {},
    };
  }

  /** An event envelope from the fixture with a fresh id. */
  event(type: string, object: Json, id = this.nextId('evt')): Json {
    return {
      ...clone(this.fixtures.event),
      id,
      type,
      created: Math.floor(Date.now() / 1000),
      data: { object },
      api_version: '2025-01-27.acacia',
    };
  }

  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }
}
