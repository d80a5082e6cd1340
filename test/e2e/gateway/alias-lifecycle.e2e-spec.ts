import { APIError as ApiError } from 'openai';
import { startGateway, type GatewayHarness } from './harness';

/** Issue #10 part 1: only open aliases serve customers; opening checks margins; later changes are flagged. */
describe('alias lifecycle: draft → in review → open, margin review and flags', () => {
  let h: GatewayHarness;
  let customer: string;
  let tester: string;
  const ALIAS = 'life-chat';

  const chat = (secret: string) =>
    h.client(secret).chat.completions.create({ model: ALIAS, messages: [{ role: 'user', content: 'Hi' }] });
  const status = async (secret: string): Promise<number> =>
    chat(secret).then(
      () => 200,
      (err: unknown) => (err instanceof ApiError ? (err.status ?? 0) : -1),
    );
  const listed = async (secret: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const m of h.client(secret).models.list()) ids.push(m.id);
    return ids;
  };

  beforeAll(async () => {
    h = await startGateway();
    h.upstream.behave('up-life', { kind: 'ok' });
    await h.admin.setCostProfile({
      providerId: h.providerA,
      upstreamModel: 'up-life',
      inputPerMillion: '1',
      outputPerMillion: '2',
    });
    await h.admin.upsertAlias({
      name: ALIAS,
      deployments: [{ providerId: h.providerA, upstreamModel: 'up-life' }],
    });
    // Priced below cost: every token sold at a loss.
    await h.admin.setSellPrice({
      alias: ALIAS,
      price: { kind: 'per_million', inputPerMillion: '0.8', outputPerMillion: '1.6' },
    });
    ({ secret: customer } = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
    }));
    ({ secret: tester } = await h.admin.createApiKey({
      workspaceId: h.workspaceId,
      accountId: h.accountId,
      name: 'operator test',
      adminTest: true,
    }));
  });

  afterAll(async () => {
    await h?.close();
  });

  it('given a new alias, when a customer key asks for it, then 404 model_not_found and it is not listed; an admin test key may use it', async () => {
    expect((await h.admin.getAlias(ALIAS))?.status).toBe('draft');
    const err = await chat(customer).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).code).toBe('model_not_found');
    expect(await listed(customer)).not.toContain(ALIAS);

    const completion = await chat(tester);
    expect(completion.choices[0].message.content).toBeTruthy();
    expect(await listed(tester)).toContain(ALIAS);
    // The test request is charged like any other (admin tests are real traffic).
    const usage = await h.usageOf(completion._request_id!);
    expect(BigInt(usage.priceNanocredits)).toBeGreaterThan(0n);
  });

  it('given a negative margin, when opening, then it is refused naming the margin, and customers still cannot use the alias', async () => {
    const review = await h.admin.reviewAlias(ALIAS);
    // Reference mix: cost 0.6 + 0.1 + 0.6 = 1.3, price 0.48 + 0.08 + 0.48 = 1.04 → −25 %.
    expect(review.lines.map((l) => l.marginPercent)).toEqual(['-25.00']);
    expect(review.blockingDeploymentIds).toHaveLength(1);

    await expect(h.admin.openAlias(ALIAS, { reason: 'launch' })).rejects.toMatchObject({
      code: 'MARGIN_BELOW_THRESHOLD',
      message: expect.stringContaining('-25.00%'),
    });
    expect((await h.admin.getAlias(ALIAS))?.status).toBe('in_review');
    expect(await status(customer)).toBe(404);
  });

  it('given an override reason, when opening, then the alias opens, the review and override are recorded, and customers are served', async () => {
    const opened = await h.admin.openAlias(ALIAS, {
      reason: 'launch',
      overrideReason: 'loss leader for the first week',
      actor: 'ops@example.com',
    });
    expect(opened.status).toBe('open');
    const [latest] = await h.admin.aliasHistory(ALIAS);
    expect(latest).toMatchObject({ kind: 'status', from: 'in_review', to: 'open', actor: 'ops@example.com' });
    expect(latest.review).toMatchObject({
      overrideReason: 'loss leader for the first week',
      thresholdPercent: '0',
      lines: [{ marginPercent: '-25.00' }],
    });
    expect(await status(customer)).toBe(200);
    expect(await listed(customer)).toContain(ALIAS);
  });

  it('given an open alias, when a cost increase pushes its margin below the threshold, then AliasMarginFlagged is recorded (no pause by default)', async () => {
    await h.admin.setSellPrice({
      alias: ALIAS,
      price: { kind: 'per_million', inputPerMillion: '1.5', outputPerMillion: '3' },
    });
    expect(await h.admin.marginFlags()).toEqual([]);
    await h.admin.setCostProfile({
      providerId: h.providerA,
      upstreamModel: 'up-life',
      inputPerMillion: '2',
      outputPerMillion: '4',
    });
    const flags = await h.admin.marginFlags();
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ alias: ALIAS, kind: 'margin_flagged' });
    expect(flags[0].review).toMatchObject({ paused: false, lines: [{ marginPercent: '-33.34' }] });
    expect((await h.admin.getAlias(ALIAS))?.status).toBe('open');
    expect(await status(customer)).toBe(200);
  });

  it('given a paused and then retired alias, when customers and testers call, then customers get 404, testers only while paused', async () => {
    await h.admin.changeAliasStatus(ALIAS, { to: 'paused', reason: 'margin review' });
    expect(await status(customer)).toBe(404);
    expect(await status(tester)).toBe(200);
    await h.admin.changeAliasStatus(ALIAS, { to: 'retired', reason: 'replaced' });
    expect(await status(tester)).toBe(404);
    await expect(h.admin.changeAliasStatus(ALIAS, { to: 'open', reason: 'again' })).rejects.toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
    });
  });
});
