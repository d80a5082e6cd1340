import { Body, Controller, Get, Inject, Param, Put, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { formatCredits, parseCredits } from '@tollgate/money';
import { AdminGuard, CurrentAdmin, describeAdminActor, type AdminActor } from '../../../portal/src/identity';
import { AdminApiErrorFilter, invalidInput } from '../admin/admin-errors';
import { WorkspaceRulesService, type QuotaUse, type WorkspaceRulesView } from './workspace-rules.service';

const WORKSPACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const ids = (max: number) => z.array(z.string().min(1).max(200)).max(max);

const PolicyBodySchema = z
  .object({
    allowProviders: ids(200).nullable().default(null),
    denyProviders: ids(200).default([]),
    allowDeployments: ids(500).nullable().default(null),
    denyDeployments: ids(500).default([]),
    requiredRegion: z.string().min(1).max(32).nullable().default(null),
    routingPolicy: z.enum(['priority', 'cost']).nullable().default(null),
  })
  .strict();

const credits = z.string().min(1).max(40).nullable().default(null);
const perMinute = z.number().int().positive().max(1_000_000_000).nullable().default(null);
const KeyQuotasBodySchema = z
  .object({
    keyId: z.string().min(1).max(200),
    requestsPerMinute: perMinute,
    tokensPerMinute: perMinute,
    creditsPerDay: credits,
    creditsPerMonth: credits,
    concurrentRequests: z.number().int().positive().max(100_000).nullable().default(null),
  })
  .strict();
const QuotasBodySchema = z
  .object({
    requestsPerMinute: z.number().int().positive().max(1_000_000_000).nullable().default(null),
    tokensPerMinute: z.number().int().positive().max(1_000_000_000).nullable().default(null),
    /** Decimal credits, e.g. "25" or "0.5". */
    creditsPerDay: credits,
    creditsPerMonth: credits,
    concurrentRequests: z.number().int().positive().max(100_000).nullable().default(null),
    timeZone: z.string().min(1).max(64).default('UTC'),
    /** Quotas of single API keys of the workspace. */
    keys: z.array(KeyQuotasBodySchema).max(1000).default([]),
  })
  .strict();

function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidInput(issue.path.map(String).join('.') || 'body', issue.message);
  }
  return result.data;
}

function creditsField(field: string, text: string | null): bigint | null {
  if (text === null) return null;
  let amount: bigint;
  try {
    amount = parseCredits(text);
  } catch {
    throw invalidInput(field, 'must be a decimal number of credits with at most 9 decimals');
  }
  if (amount <= 0n) throw invalidInput(field, 'must be positive');
  return amount;
}

function workspaceIdOf(raw: string): string {
  if (!WORKSPACE_ID.test(raw)) throw invalidInput('workspaceId', 'is not a workspace id');
  return raw;
}

/** The deciders' validation errors are the client's input errors: 400 naming the field. */
async function asInput<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (
      err instanceof DomainError &&
      (err.code === 'INVALID_WORKSPACE_POLICY' || err.code === 'INVALID_QUOTAS')
    )
      throw invalidInput(String(err.details.field ?? 'body'), err.message);
    throw err;
  }
}

const creditsOrNull = (n: bigint | null): string | null => (n === null ? null : formatCredits(n));

export function rulesJson(view: WorkspaceRulesView, usage: readonly QuotaUse[]): Record<string, unknown> {
  const q = view.quotas;
  return {
    workspaceId: view.workspaceId,
    policy: view.policy,
    quotas: q && {
      requestsPerMinute: q.requestsPerMinute,
      tokensPerMinute: q.tokensPerMinute,
      creditsPerDay: creditsOrNull(q.creditsPerDayNanocredits),
      creditsPerMonth: creditsOrNull(q.creditsPerMonthNanocredits),
      concurrentRequests: q.concurrentRequests,
      timeZone: q.timeZone,
      keys: q.keys.map((k) => ({
        keyId: k.keyId,
        requestsPerMinute: k.requestsPerMinute,
        tokensPerMinute: k.tokensPerMinute,
        creditsPerDay: creditsOrNull(k.creditsPerDayNanocredits),
        creditsPerMonth: creditsOrNull(k.creditsPerMonthNanocredits),
        concurrentRequests: k.concurrentRequests,
      })),
    },
    usage: usage.map((u) => {
      const money = u.metric === 'credits_day' || u.metric === 'credits_month';
      const show = (n: bigint) => (money ? formatCredits(n) : Number(n));
      return {
        keyId: u.keyId,
        metric: u.metric,
        limit: show(u.limit),
        used: show(u.consumed),
        claimed: show(u.claimed),
        windowStart: new Date(u.windowStartMs).toISOString(),
        windowEnd: u.metric === 'concurrent' ? null : new Date(u.windowEndMs).toISOString(),
      };
    }),
  };
}

/**
 * Admin JSON API for a workspace's provider policy and quotas (#10). PUT replaces the whole policy or
 * the whole set of quotas (omitted fields: no restriction); GET shows them with current use.
 */
@Controller('admin/api/workspaces/:workspaceId')
@UseGuards(AdminGuard)
@UseFilters(AdminApiErrorFilter)
export class WorkspaceRulesController {
  constructor(@Inject(WorkspaceRulesService) private readonly rules: WorkspaceRulesService) {}

  @Get('rules')
  async get(@Param('workspaceId') rawId: string): Promise<Record<string, unknown>> {
    const workspaceId = workspaceIdOf(rawId);
    const view = await this.rules.read(workspaceId);
    return rulesJson(view, await this.rules.usage(workspaceId, view.quotas));
  }

  @Put('policy')
  async setPolicy(
    @Param('workspaceId') rawId: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ): Promise<Record<string, unknown>> {
    const workspaceId = workspaceIdOf(rawId);
    const input = validate(PolicyBodySchema, body);
    const view = await asInput(() =>
      this.rules.setPolicy({
        type: 'SetWorkspacePolicy',
        workspaceId,
        ...input,
        actor: describeAdminActor(actor),
        now: new Date().toISOString(),
      }),
    );
    return rulesJson(view, await this.rules.usage(workspaceId, view.quotas));
  }

  @Put('quotas')
  async setQuotas(
    @Param('workspaceId') rawId: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ): Promise<Record<string, unknown>> {
    const workspaceId = workspaceIdOf(rawId);
    const input = validate(QuotasBodySchema, body);
    const view = await asInput(() =>
      this.rules.setQuotas({
        type: 'SetWorkspaceQuotas',
        workspaceId,
        requestsPerMinute: input.requestsPerMinute,
        tokensPerMinute: input.tokensPerMinute,
        creditsPerDayNanocredits: creditsField('creditsPerDay', input.creditsPerDay),
        creditsPerMonthNanocredits: creditsField('creditsPerMonth', input.creditsPerMonth),
        concurrentRequests: input.concurrentRequests,
        timeZone: input.timeZone,
        keys: input.keys.map((k, i) => ({
          keyId: k.keyId,
          requestsPerMinute: k.requestsPerMinute,
          tokensPerMinute: k.tokensPerMinute,
          creditsPerDayNanocredits: creditsField(`keys.${i}.creditsPerDay`, k.creditsPerDay),
          creditsPerMonthNanocredits: creditsField(`keys.${i}.creditsPerMonth`, k.creditsPerMonth),
          concurrentRequests: k.concurrentRequests,
        })),
        actor: describeAdminActor(actor),
        now: new Date().toISOString(),
      }),
    );
    return rulesJson(view, await this.rules.usage(workspaceId, view.quotas));
  }
}
