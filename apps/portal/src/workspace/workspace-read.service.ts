import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PORTAL_POOL } from '../identity/portal-options';
import type { RequestLogFilter, StatementPeriod } from './query-schemas';

/** Days shown on the dashboard's spend chart, today included. */
export const SPEND_CHART_DAYS = 30;
/** Statement lines rendered on the page; the CSV has all of them. */
export const STATEMENT_PAGE_LINES = 500;

export interface BalanceView {
  postedNanocredits: bigint;
  leasedNanocredits: bigint;
  availableNanocredits: bigint;
  overdraftLimitNanocredits: bigint;
  updatedAt: Date | null;
}

export interface DailySpend {
  day: string;
  model: string;
  requests: bigint;
  priceNanocredits: bigint;
}

export interface RequestLogRow {
  requestId: string;
  apiKeyId: string | null;
  alias: string | null;
  provider: string | null;
  model: string | null;
  promptTokens: bigint;
  completionTokens: bigint;
  cachedTokens: bigint;
  reasoningTokens: bigint;
  priceNanocredits: bigint;
  balanceImpactNanocredits: bigint;
  status: string;
  latencyMs: number | null;
  attempts: number | null;
  estimated: boolean;
  occurredAt: Date;
}

export interface StatementLineView {
  lineNo: bigint;
  entryType: string;
  description: string;
  reference: string;
  amountNanocredits: bigint;
  balanceAfterNanocredits: bigint;
  occurredAt: Date;
}

/**
 * Reads of the customer workspace pages, always filtered by the account (= workspace) id the guard
 * resolved. Money stays bigint end to end: Postgres bigint/numeric travel as text.
 */
@Injectable()
export class WorkspaceReadService {
  constructor(@Inject(PORTAL_POOL) private readonly pool: Pool) {}

  async balance(accountId: string): Promise<BalanceView> {
    const { rows } = await this.pool.query<Record<string, string | Date | null>>(
      `SELECT posted_nanocredits::text AS posted, leased_nanocredits::text AS leased,
              available_nanocredits::text AS available, overdraft_limit_nanocredits::text AS overdraft, updated_at
         FROM balances WHERE account_id = $1`,
      [accountId],
    );
    const r = rows[0];
    if (!r)
      return {
        postedNanocredits: 0n,
        leasedNanocredits: 0n,
        availableNanocredits: 0n,
        overdraftLimitNanocredits: 0n,
        updatedAt: null,
      };
    return {
      postedNanocredits: BigInt(r.posted as string),
      leasedNanocredits: BigInt(r.leased as string),
      availableNanocredits: BigInt(r.available as string),
      overdraftLimitNanocredits: BigInt(r.overdraft as string),
      updatedAt: r.updated_at as Date,
    };
  }

  /** Spend (price to the customer) per UTC day and model, from `firstDay` (YYYY-MM-DD) on. */
  async dailySpend(accountId: string, firstDay: string): Promise<DailySpend[]> {
    const { rows } = await this.pool.query<{ day: string; model: string; requests: string; price: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, model, sum(requests)::text AS requests,
              sum(price_nanocredits)::text AS price
         FROM daily_usage WHERE account_id = $1 AND day >= $2::date
        GROUP BY day, model ORDER BY day, model LIMIT 5000`,
      [accountId, firstDay],
    );
    return rows.map((r) => ({
      day: r.day,
      model: r.model,
      requests: BigInt(r.requests),
      priceNanocredits: BigInt(r.price),
    }));
  }

  /** Newest first; one extra row is read to know whether a next page exists. */
  async requestLog(
    accountId: string,
    filter: RequestLogFilter,
  ): Promise<{ rows: RequestLogRow[]; hasMore: boolean }> {
    const where = ['account_id = $1'];
    const params: unknown[] = [accountId];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace(/\?/g, `$${params.length}`));
    };
    if (filter.key) add('api_key_id = ?', filter.key);
    if (filter.model) add('(model = ? OR alias = ?)', filter.model);
    if (filter.status) add('status = ?', filter.status);
    // Whole UTC days, whatever the session's TimeZone.
    if (filter.from) add("occurred_at >= (?::date::timestamp AT TIME ZONE 'UTC')", filter.from);
    if (filter.to) add("occurred_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')", filter.to);
    params.push(filter.perPage + 1, (filter.page - 1) * filter.perPage);
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT request_id, api_key_id, alias, provider, model, prompt_tokens::text, completion_tokens::text,
              cached_tokens::text, reasoning_tokens::text, price_nanocredits::text,
              balance_impact_nanocredits::text, status, latency_ms, attempts, estimated, occurred_at
         FROM request_log WHERE ${where.join(' AND ')}
        ORDER BY occurred_at DESC, event_id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const hasMore = rows.length > filter.perPage;
    return {
      hasMore,
      rows: rows.slice(0, filter.perPage).map((r) => ({
        requestId: r.request_id as string,
        apiKeyId: r.api_key_id as string | null,
        alias: r.alias as string | null,
        provider: r.provider as string | null,
        model: r.model as string | null,
        promptTokens: BigInt(r.prompt_tokens as string),
        completionTokens: BigInt(r.completion_tokens as string),
        cachedTokens: BigInt(r.cached_tokens as string),
        reasoningTokens: BigInt(r.reasoning_tokens as string),
        priceNanocredits: BigInt(r.price_nanocredits as string),
        balanceImpactNanocredits: BigInt(r.balance_impact_nanocredits as string),
        status: r.status as string,
        latencyMs: r.latency_ms as number | null,
        attempts: r.attempts as number | null,
        estimated: r.estimated as boolean,
        occurredAt: r.occurred_at as Date,
      })),
    };
  }

  /**
   * Display names of the gateway's providers (name only, never their credentials). Empty when the
   * gateway's catalog is not in this database (the portal running alone).
   */
  async providerNames(providerIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(providerIds)].slice(0, 1000);
    if (ids.length === 0) return new Map();
    try {
      const { rows } = await this.pool.query<{ id: string; name: string }>(
        'SELECT id, name FROM gateway_providers WHERE id = ANY($1::text[])',
        [ids],
      );
      return new Map(rows.map((r) => [r.id, r.name]));
    } catch (err) {
      if ((err as { code?: string }).code === '42P01') return new Map();
      throw err;
    }
  }

  /** Models and statuses seen in this workspace's log, for the filter pickers. */
  async requestFacets(accountId: string): Promise<{ models: string[]; statuses: string[] }> {
    const { rows } = await this.pool.query<{ kind: string; value: string }>(
      `(SELECT DISTINCT 'model' AS kind, model AS value FROM request_log
         WHERE account_id = $1 AND model IS NOT NULL ORDER BY 2 LIMIT 200)
       UNION ALL
       (SELECT DISTINCT 'status', status FROM request_log WHERE account_id = $1 ORDER BY 2 LIMIT 50)`,
      [accountId],
    );
    return {
      models: rows.filter((r) => r.kind === 'model').map((r) => r.value),
      statuses: rows.filter((r) => r.kind === 'status').map((r) => r.value),
    };
  }

  /** Opening balance before the period and its first lines (bounded; the CSV streams them all). */
  async statement(
    accountId: string,
    period: StatementPeriod,
  ): Promise<{ openingNanocredits: bigint; lines: StatementLineView[]; truncated: boolean }> {
    const before = await this.pool.query<{ balance: string }>(
      `SELECT balance_after_nanocredits::text AS balance FROM statement_lines
        WHERE account_id = $1 AND occurred_at < $2 ORDER BY line_no DESC LIMIT 1`,
      [accountId, period.start],
    );
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT line_no::text, entry_type, description, reference, amount_nanocredits::text,
              balance_after_nanocredits::text, occurred_at
         FROM statement_lines WHERE account_id = $1 AND occurred_at >= $2 AND occurred_at < $3
        ORDER BY line_no LIMIT ${STATEMENT_PAGE_LINES + 1}`,
      [accountId, period.start, period.end],
    );
    return {
      openingNanocredits: before.rows[0] ? BigInt(before.rows[0].balance) : 0n,
      truncated: rows.length > STATEMENT_PAGE_LINES,
      lines: rows.slice(0, STATEMENT_PAGE_LINES).map((r) => ({
        lineNo: BigInt(r.line_no as string),
        entryType: r.entry_type as string,
        description: (r.description as string | null) ?? '',
        reference: (r.reference as string | null) ?? '',
        amountNanocredits: BigInt(r.amount_nanocredits as string),
        balanceAfterNanocredits: BigInt(r.balance_after_nanocredits as string),
        occurredAt: r.occurred_at as Date,
      })),
    };
  }
}
