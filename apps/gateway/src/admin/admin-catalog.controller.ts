import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpException,
  Inject,
  Param,
  Patch,
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
import { ApiKeyIdempotency, requestFingerprint } from './api-key-idempotency';

/** Injection token for the Postgres pool the admin API reads workspaces, balances and providers from. */
export const ADMIN_API_POOL = Symbol('ADMIN_API_POOL');

const MAX_WORKSPACES_LISTED = 1000;
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
  /** An operator's test key: may route aliases that are not open yet (drafts under review). */
  adminTest: z.boolean().optional(),
});

const ApiKeyLimitsBodySchema = ApiKeyBodySchema.omit({ name: true, adminTest: true });

const StatusBodySchema = z.object({
  to: z.enum(['draft', 'in_review', 'open', 'paused', 'retired']),
  reason: z.string().trim().min(1).max(500),
  overrideReason: z.string().trim().min(1).max(500).nullable().optional(),
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
  ) {
    this.apiKeyIdempotency = new ApiKeyIdempotency(pool);
  }

  private readonly apiKeyIdempotency: ApiKeyIdempotency;

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
        adminTest: k.adminTest,
        createdAt: k.createdAt,
        revokedAt: k.revokedAt,
      })),
    };
  }

  /**
   * The secret is in this response only; the catalog keeps its hash. With an Idempotency-Key, a retry
   * (same key, same body, within 24 h) creates nothing: 409 IDEMPOTENT_REPLAY names the key created.
   */
  @Post('workspaces/:workspaceId/api-keys')
  @HttpCode(201)
  async createApiKey(
    @Param('workspaceId') workspaceId: string,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey))
      throw invalidInput('Idempotency-Key', 'must be 8 to 200 visible ASCII characters');
    await this.requireWorkspace(workspaceId);
    const input = validate(ApiKeyBodySchema, body);
    if (idempotencyKey !== undefined) {
      const fingerprint = requestFingerprint(workspaceId, input);
      const claim = await this.apiKeyIdempotency.reserve(idempotencyKey, fingerprint, workspaceId);
      switch (claim.kind) {
        case 'reserved':
          break;
        case 'replay':
          throw new HttpException(
            {
              error: {
                code: 'IDEMPOTENT_REPLAY',
                message:
                  `this Idempotency-Key already created API key ${claim.keyId} (prefix ${claim.prefix}); ` +
                  'its secret cannot be shown again (only its hash is stored): revoke the key and create ' +
                  'a new one if the secret was lost',
              },
              apiKey: { id: claim.keyId, prefix: claim.prefix },
            },
            409,
          );
        case 'conflict':
          throw new DomainError(
            'IDEMPOTENCY_CONFLICT',
            'this Idempotency-Key was used within the last 24 h with a different request; use a new key',
          );
        case 'in_progress':
          throw new HttpException(
            {
              error: {
                code: 'IDEMPOTENCY_IN_PROGRESS',
                message: 'a request with this Idempotency-Key is still creating its key; retry in a moment',
              },
            },
            409,
          );
        default: {
          const never: never = claim;
          throw new Error(`unknown reservation ${JSON.stringify(never)}`);
        }
      }
    }
    let key: { id: string; prefix: string; secret: string };
    try {
      key = await this.admin.createApiKey({
        ...input,
        workspaceId,
        accountId: workspaceId,
        actor: describeAdminActor(actor),
      });
    } catch (err) {
      if (idempotencyKey !== undefined) await this.apiKeyIdempotency.release(idempotencyKey);
      throw err;
    }
    if (idempotencyKey !== undefined)
      await this.apiKeyIdempotency.complete(idempotencyKey, key.id, key.prefix);
    return {
      apiKey: { id: key.id, prefix: key.prefix, secret: key.secret, adminTest: input.adminTest ?? false },
    };
  }

  /** Replaces a key's limits (allow-list, spend limit, rates). */
  @Put('workspaces/:workspaceId/api-keys/:keyId/limits')
  @HttpCode(200)
  async changeApiKeyLimits(
    @Param('workspaceId') workspaceId: string,
    @Param('keyId') keyId: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    const input = validate(ApiKeyLimitsBodySchema, body);
    await this.admin.changeApiKeyLimits(workspaceId, keyId, { ...input, actor: describeAdminActor(actor) });
    const key = (await this.admin.listApiKeys(workspaceId)).find((k) => k.id === keyId);
    return {
      apiKey: {
        id: keyId,
        allowedModels: key?.allowedModels ?? null,
        spendLimitCredits: creditsOrNull(key?.spendLimitNanocredits ?? null),
        requestsPerMinute: key?.requestsPerMinute ?? null,
        tokensPerMinute: key?.tokensPerMinute ?? null,
      },
    };
  }

  @Delete('workspaces/:workspaceId/api-keys/:keyId')
  @HttpCode(204)
  async revokeApiKey(
    @Param('workspaceId') workspaceId: string,
    @Param('keyId') keyId: string,
    @CurrentAdmin() actor: AdminActor,
  ): Promise<void> {
    await this.admin.revokeApiKey(workspaceId, keyId, describeAdminActor(actor));
  }

  @Get('providers')
  async providers() {
    // Only public columns: the sealed upstream key is never selected.
    return { providers: await this.admin.listProviders() };
  }

  @Post('providers')
  @HttpCode(201)
  async createProvider(@Body() body: unknown, @CurrentAdmin() actor: AdminActor) {
    return {
      provider: await this.admin.createProvider({
        ...objectBody(body),
        actor: describeAdminActor(actor),
      } as never),
    };
  }

  /** Name, base URL or region (fields left out stay as they are). */
  @Patch('providers/:providerId')
  @HttpCode(200)
  async updateProvider(
    @Param('providerId') providerId: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    const changed = await this.admin.updateProvider(providerId, {
      ...objectBody(body),
      actor: describeAdminActor(actor),
    } as never);
    const provider = (await this.admin.listProviders()).find((p) => p.id === providerId);
    return { provider, changed };
  }

  @Post('providers/:providerId/rotate-key')
  @HttpCode(200)
  async rotateProviderKey(
    @Param('providerId') providerId: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    const { apiKey } = validate(RotateKeyBodySchema, body);
    await this.admin.rotateProviderKey(providerId, apiKey, describeAdminActor(actor));
    return { provider: { id: providerId }, rotated: true };
  }

  @Post('cost-profiles')
  @HttpCode(201)
  async setCostProfile(@Body() body: unknown, @CurrentAdmin() actor: AdminActor) {
    return {
      costProfile: await this.admin.setCostProfile({
        ...withEffectiveAt(body),
        actor: describeAdminActor(actor),
      } as never),
    };
  }

  @Post('sell-prices')
  @HttpCode(201)
  async setSellPrice(@Body() body: unknown, @CurrentAdmin() actor: AdminActor) {
    return {
      sellPrice: await this.admin.setSellPrice({
        ...withEffectiveAt(body),
        actor: describeAdminActor(actor),
      } as never),
    };
  }

  @Get('aliases')
  async aliases() {
    return { aliases: await this.admin.listAliases() };
  }

  @Get('aliases/:name')
  async alias(@Param('name') name: string) {
    const alias = await this.admin.getAlias(name);
    if (!alias) throw new DomainError('ALIAS_NOT_FOUND', `no alias ${name}`);
    return { alias, history: await this.admin.aliasHistory(name) };
  }

  /** New aliases start as drafts: only open ones serve customer keys. */
  @Put('aliases/:name')
  @HttpCode(200)
  async upsertAlias(@Param('name') name: string, @Body() body: unknown, @CurrentAdmin() actor: AdminActor) {
    await this.admin.upsertAlias({ ...objectBody(body), name, actor: describeAdminActor(actor) } as never);
    const alias = await this.admin.getAlias(name);
    return { alias: { name, status: alias?.status ?? 'draft' } };
  }

  /** Cost, price and margin per deployment now: what opening would record, and what blocks it. */
  @Get('aliases/:name/review')
  async reviewAlias(@Param('name') name: string) {
    return { review: await this.admin.reviewAlias(name) };
  }

  /** Lifecycle: draft → in_review → open → paused/retired; opening checks the margins (override with a reason). */
  @Post('aliases/:name/status')
  @HttpCode(200)
  async changeAliasStatus(
    @Param('name') name: string,
    @Body() body: unknown,
    @CurrentAdmin() actor: AdminActor,
  ) {
    const input = validate(StatusBodySchema, body);
    const result = await this.admin.changeAliasStatus(name, { ...input, actor: describeAdminActor(actor) });
    return { alias: { name, status: result.status }, changed: result.changed, review: result.review };
  }

  /** Aliases whose margin fell below the threshold after a cost, price or routing change. */
  @Get('margin-flags')
  async marginFlags() {
    return { flags: await this.admin.marginFlags() };
  }

  private async requireWorkspace(workspaceId: string): Promise<void> {
    const found =
      isUuid(workspaceId) &&
      (await this.pool.query('SELECT 1 FROM workspaces WHERE id = $1', [workspaceId])).rowCount === 1;
    if (!found) throw new DomainError('NOT_FOUND', `no workspace ${workspaceId}`);
  }
}
