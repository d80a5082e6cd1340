import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { z } from 'zod';
import { DomainError } from '@tollgate/event-store';
import { isUuid, listWorkspaces } from '@tollgate/identity';
import { GrantCreditsCommand } from '@tollgate/ledger-nest';
import { formatCredits, parseCredits } from '@tollgate/money';
import { AdminGuard, CurrentAdmin, describeAdminActor, type AdminActor } from '../../../portal/src/identity';
import { GatewayAdmin } from '../catalog/gateway-admin';
import { AdminApiErrorFilter, invalidInput } from './admin-errors';

/** Injection token for the Postgres pool the admin API reads workspaces, balances and providers from. */
export const ADMIN_API_POOL = Symbol('ADMIN_API_POOL');

const MAX_WORKSPACES_LISTED = 1000;
const MAX_PROVIDERS_LISTED = 1000;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{8,200}$/;

const GrantBodySchema = z.object({
  /** Decimal credits, e.g. "12.5" (at most 9 decimals). */
  credits: z.string().min(1).max(40),
  reason: z.string().trim().min(1).max(500),
  kind: z.enum(['manual', 'promotional']).default('manual'),
});

const ApiKeyBodySchema = z.object({
  name: z.string().min(1).max(200).optional(),
  allowedModels: z.array(z.string()).max(1000).nullable().optional(),
  spendLimitCredits: z.string().max(40).nullable().optional(),
  requestsPerMinute: z.number().int().positive().nullable().optional(),
  tokensPerMinute: z.number().int().positive().nullable().optional(),
});

const RotateKeyBodySchema = z.object({ apiKey: z.string().min(1).max(4096) });
const EffectiveAtSchema = z.object({ effectiveAt: z.iso.datetime({ offset: true }).optional() });

function validate<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw invalidInput(issue.path.map(String).join('.') || 'body', issue.message);
  }
  return result.data;
}

function objectBody(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}

/** JSON carries dates as ISO strings; GatewayAdmin wants a Date. */
function withEffectiveAt(body: unknown): Record<string, unknown> {
  const b = objectBody(body);
  const { effectiveAt } = validate(EffectiveAtSchema, { effectiveAt: b.effectiveAt });
  return { ...b, effectiveAt: effectiveAt === undefined ? undefined : new Date(effectiveAt) };
}

function positiveCredits(field: string, text: string): bigint {
  let amount: bigint;
  try {
    amount = parseCredits(text);
  } catch {
    throw invalidInput(field, 'must be a decimal number of credits with at most 9 decimals');
  }
  if (amount <= 0n) throw invalidInput(field, 'must be positive');
  return amount;
}

function creditsOrNull(nanocredits: bigint | null): string | null {
  return nanocredits === null ? null : formatCredits(nanocredits);
}

interface BalanceRow {
  account_id: string;
  posted_nanocredits: string;
  leased_nanocredits: string;
  available_nanocredits: string;
}

/**
 * The operator's JSON API for workspaces' credits and the gateway catalog (bearer TOLLGATE_ADMIN_TOKEN
 * or an admin session). Amounts leave as exact decimal credit strings; upstream keys never leave.
 */
@Controller('admin/api')
@UseGuards(AdminGuard)
@UseFilters(AdminApiErrorFilter)
export class AdminCatalogController {
  constructor(
    @Inject(GatewayAdmin) private readonly admin: GatewayAdmin,
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(ADMIN_API_POOL) private readonly pool: Pool,
  ) {}

  @Get('workspaces')
  async workspaces() {
    const workspaces = await listWorkspaces(this.pool, { limit: MAX_WORKSPACES_LISTED });
    const { rows } = await this.pool.query<BalanceRow>(
      `SELECT account_id, posted_nanocredits, leased_nanocredits, available_nanocredits
         FROM balances WHERE account_id = ANY($1::text[])`,
      [workspaces.map((w) => w.id)],
    );
    const balances = new Map(rows.map((r) => [r.account_id, r]));
    return {
      workspaces: workspaces.map((w) => {
        const b = balances.get(w.id);
        return {
          id: w.id,
          name: w.name,
          createdAt: w.createdAt,
          memberCount: w.memberCount,
          balance: b
            ? {
                postedCredits: formatCredits(BigInt(b.posted_nanocredits)),
                leasedCredits: formatCredits(BigInt(b.leased_nanocredits)),
                availableCredits: formatCredits(BigInt(b.available_nanocredits)),
              }
            : null,
        };
      }),
    };
  }

  /** The Idempotency-Key is the grant's id: a retry is the same grant, never a second one. */
  @Post('workspaces/:workspaceId/credit-grants')
  @HttpCode(201)
  async grantCredits(
    @Param('workspaceId') workspaceId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    if (typeof idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(idempotencyKey))
      throw invalidInput('Idempotency-Key', 'header required: 8 to 200 visible ASCII characters');
    const input = validate(GrantBodySchema, body);
    const amount = positiveCredits('credits', input.credits);
    const result = await this.commands.execute(
      new GrantCreditsCommand({
        accountId: workspaceId,
        grantId: idempotencyKey,
        amountNanocredits: amount,
        kind: input.kind,
        reason: input.reason,
        actor: describeAdminActor(actor),
        idempotencyKey: `admin-grant:${idempotencyKey}`,
        now: new Date().toISOString(),
      }),
    );
    const credits = formatCredits(amount);
    return {
      grant: { id: idempotencyKey, workspaceId, kind: input.kind, reason: input.reason, credits },
      // A grant posts straight to the balance: posted and available both rise by it.
      balanceImpact: { postedCredits: credits, availableCredits: credits },
      replayed: result.events.length === 0,
    };
  }

  @Get('workspaces/:workspaceId/api-keys')
  async apiKeys(@Param('workspaceId') workspaceId: string) {
    await this.requireWorkspace(workspaceId);
    const keys = await this.admin.listApiKeys(workspaceId);
    return {
      apiKeys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        allowedModels: k.allowedModels,
        spendLimitCredits: creditsOrNull(k.spendLimitNanocredits),
        spentCredits: formatCredits(k.spentNanocredits),
        requestsPerMinute: k.requestsPerMinute,
        tokensPerMinute: k.tokensPerMinute,
        createdAt: k.createdAt,
        revokedAt: k.revokedAt,
      })),
    };
  }

  /** The secret is in this response only; the catalog keeps its hash. */
  @Post('workspaces/:workspaceId/api-keys')
  @HttpCode(201)
  async createApiKey(@Param('workspaceId') workspaceId: string, @Body() body: unknown) {
    await this.requireWorkspace(workspaceId);
    const input = validate(ApiKeyBodySchema, body);
    const key = await this.admin.createApiKey({ ...input, workspaceId, accountId: workspaceId });
    return { apiKey: { id: key.id, prefix: key.prefix, secret: key.secret } };
  }

  @Delete('workspaces/:workspaceId/api-keys/:keyId')
  @HttpCode(204)
  async revokeApiKey(
    @Param('workspaceId') workspaceId: string,
    @Param('keyId') keyId: string,
  ): Promise<void> {
    await this.admin.revokeApiKey(workspaceId, keyId);
  }

  @Get('providers')
  async providers() {
    // Only public columns: the sealed upstream key is never selected.
    const { rows } = await this.pool.query<{
      id: string;
      name: string;
      kind: string;
      base_url: string;
      created_at: Date;
      updated_at: Date;
    }>(
      `SELECT id, name, kind, base_url, created_at, updated_at FROM gateway_providers
        ORDER BY created_at, id LIMIT ${MAX_PROVIDERS_LISTED}`,
    );
    return {
      providers: rows.map((r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        baseUrl: r.base_url,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      })),
    };
  }

  @Post('providers')
  @HttpCode(201)
  async createProvider(@Body() body: unknown) {
    return { provider: await this.admin.createProvider(objectBody(body) as never) };
  }

  @Post('providers/:providerId/rotate-key')
  @HttpCode(200)
  async rotateProviderKey(@Param('providerId') providerId: string, @Body() body: unknown) {
    const { apiKey } = validate(RotateKeyBodySchema, body);
    await this.admin.rotateProviderKey(providerId, apiKey);
    return { provider: { id: providerId }, rotated: true };
  }

  @Post('cost-profiles')
  @HttpCode(201)
  async setCostProfile(@Body() body: unknown) {
    return { costProfile: await this.admin.setCostProfile(withEffectiveAt(body) as never) };
  }

  @Post('sell-prices')
  @HttpCode(201)
  async setSellPrice(@Body() body: unknown) {
    return { sellPrice: await this.admin.setSellPrice(withEffectiveAt(body) as never) };
  }

  @Put('aliases/:name')
  @HttpCode(200)
  async upsertAlias(@Param('name') name: string, @Body() body: unknown) {
    await this.admin.upsertAlias({ ...objectBody(body), name } as never);
    return { alias: { name } };
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    const found =
      isUuid(workspaceId) &&
      (await this.pool.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId])).rowCount === 1;
    if (!found) throw new DomainError('NOT_FOUND', `no workspace ${workspaceId}`);
  }
}
