import { DeciderSpecification } from '@tollgate/ledger';
import type { DeploymentSpec, MarginReviewLine } from '../events';
import { parseCatalogEvent } from '../parse';
import type { ChangeAliasStatus, DefineAlias, FlagAliasMargin } from './commands';
import { aliasDecider, type AliasEvent } from './decider';

const spec = DeciderSpecification(aliasDecider, {
  parse: (type, data) => parseCatalogEvent(type, data) as AliasEvent | null,
});
const T0 = '2026-03-01T10:00:00.000Z';
const stamp = { actor: 'admin-1', now: T0 };
const COST = { inputPerMillion: '0.5', cachedInputPerMillion: '0.25', outputPerMillion: '1.5' };
const PRICE = { inputPerMillion: '0.7', cachedInputPerMillion: '0.35', outputPerMillion: '2.1' };

const depA: DeploymentSpec = {
  deploymentId: 'dep-a',
  providerId: 'prov-a',
  upstreamModel: 'up-1',
  priority: 0,
  weight: 1,
};
const depB: DeploymentSpec = { ...depA, deploymentId: 'dep-b', providerId: 'prov-b', priority: 1 };

const define = (o: Partial<DefineAlias> = {}): DefineAlias => ({
  type: 'DefineAlias',
  alias: 'chat',
  policy: 'priority',
  defaultMaxOutputTokens: null,
  deployments: [depA],
  ...stamp,
  ...o,
});
const line = (d: DeploymentSpec, marginPercent: string | null): MarginReviewLine => ({
  deploymentId: d.deploymentId,
  providerId: d.providerId,
  upstreamModel: d.upstreamModel,
  cost: COST,
  price: PRICE,
  marginPercent,
});
const status = (o: Partial<ChangeAliasStatus> = {}): ChangeAliasStatus => ({
  type: 'ChangeAliasStatus',
  alias: 'chat',
  to: 'in_review',
  reason: 'ready',
  review: null,
  overrideReason: null,
  ...stamp,
  ...o,
});
const open = (margin: string | null, o: Partial<ChangeAliasStatus> = {}): ChangeAliasStatus =>
  status({ to: 'open', review: { thresholdPercent: '0', lines: [line(depA, margin)] }, ...o });
const flag = (margin: string, o: Partial<FlagAliasMargin> = {}): FlagAliasMargin => ({
  type: 'FlagAliasMargin',
  alias: 'chat',
  review: { thresholdPercent: '0', lines: [line(depA, margin)] },
  pause: false,
  ...stamp,
  ...o,
});

const defined: AliasEvent = {
  type: 'AliasDefined',
  data: {
    alias: 'chat',
    policy: 'priority',
    defaultMaxOutputTokens: null,
    deployments: [depA],
    actor: 'admin-1',
    at: T0,
  },
};
const moved = (from: ChangeAliasStatus['to'], to: ChangeAliasStatus['to']): AliasEvent => ({
  type: 'AliasStatusChanged',
  data: { alias: 'chat', from, to, reason: 'x', review: null, actor: 'admin-1', at: T0 },
});
const inReview = [defined, moved('draft', 'in_review')];
const opened = [...inReview, moved('in_review', 'open')];

describe('alias decider: routing', () => {
  it('given no alias, when defined, then AliasDefined (a draft)', () => {
    spec.given([]).when(define()).then([defined]);
  });

  it('given an alias, when redefined with the same routing but new proposed ids, then nothing', () => {
    spec
      .given([defined])
      .when(define({ deployments: [{ ...depA, deploymentId: 'dep-new' }] }))
      .thenNothing();
  });

  it('given an alias, when a deployment is added, then AliasRoutingChanged keeps the existing deployment id', () => {
    spec
      .given([defined])
      .when(define({ deployments: [{ ...depA, deploymentId: 'dep-proposed', weight: 3 }, depB] }))
      .then([
        {
          type: 'AliasRoutingChanged',
          data: { ...defined.data, deployments: [{ ...depA, weight: 3 }, depB] },
        },
      ]);
  });

  it('given the same provider and model twice, when defined, then INVALID_DEPLOYMENTS', () => {
    spec
      .given([])
      .when(define({ deployments: [depA, { ...depA, deploymentId: 'dep-x' }] }))
      .thenThrows('INVALID_DEPLOYMENTS');
  });

  it('given a retired alias, when redefined, then ALIAS_RETIRED', () => {
    spec
      .given([defined, moved('draft', 'retired')])
      .when(define({ deployments: [depB] }))
      .thenThrows('ALIAS_RETIRED');
  });
});

describe('alias decider: lifecycle', () => {
  it('given no alias, when its status changes, then ALIAS_NOT_FOUND', () => {
    spec.given([]).when(status()).thenThrows('ALIAS_NOT_FOUND', { alias: 'chat' });
  });

  it('given a draft, when sent to review, then AliasStatusChanged draft → in_review with actor and reason', () => {
    spec
      .given([defined])
      .when(status())
      .then([
        {
          type: 'AliasStatusChanged',
          data: {
            alias: 'chat',
            from: 'draft',
            to: 'in_review',
            reason: 'ready',
            review: null,
            actor: 'admin-1',
            at: T0,
          },
        },
      ]);
  });

  it('given a draft, when opened directly or paused, then INVALID_STATUS_TRANSITION', () => {
    spec
      .given([defined])
      .when(open('28.57'))
      .thenThrows('INVALID_STATUS_TRANSITION', { from: 'draft', to: 'open' });
    spec
      .given([defined])
      .when(status({ to: 'paused' }))
      .thenThrows('INVALID_STATUS_TRANSITION');
  });

  it('given an alias already in that status, when asked again, then nothing', () => {
    spec.given(inReview).when(status()).thenNothing();
  });

  it('given an alias in review, when opened with a positive margin, then the review is recorded without override', () => {
    spec
      .given(inReview)
      .when(open('28.57'))
      .then([
        {
          type: 'AliasStatusChanged',
          data: {
            alias: 'chat',
            from: 'in_review',
            to: 'open',
            reason: 'ready',
            review: { thresholdPercent: '0', lines: [line(depA, '28.57')], overrideReason: null },
            actor: 'admin-1',
            at: T0,
          },
        },
      ]);
  });

  it('given an alias in review, when opened without a review, then REVIEW_REQUIRED', () => {
    spec
      .given(inReview)
      .when(status({ to: 'open' }))
      .thenThrows('REVIEW_REQUIRED');
  });

  it('given a review that misses a deployment, when opening, then REVIEW_STALE', () => {
    const routed: AliasEvent = {
      type: 'AliasRoutingChanged',
      data: { ...defined.data, deployments: [depA, depB] },
    };
    spec
      .given([...inReview, routed])
      .when(open('28.57'))
      .thenThrows('REVIEW_STALE');
  });

  it('given a negative margin, when opening, then MARGIN_BELOW_THRESHOLD naming the deployment', () => {
    spec
      .given(inReview)
      .when(open('-21.10'))
      .thenThrows('MARGIN_BELOW_THRESHOLD', { deploymentIds: ['dep-a'] });
  });

  it('given an unknown margin or one below the threshold, when opening, then it is blocked too', () => {
    spec.given(inReview).when(open(null)).thenThrows('MARGIN_BELOW_THRESHOLD');
    spec
      .given(inReview)
      .when(status({ to: 'open', review: { thresholdPercent: '30', lines: [line(depA, '28.57')] } }))
      .thenThrows('MARGIN_BELOW_THRESHOLD');
  });

  it('given a negative margin and an override reason, when opening, then it opens and the override is recorded', () => {
    const [e] = spec
      .given(inReview)
      .when(open('-21.10', { overrideReason: 'launch promo' }))
      .thenTypes(['AliasStatusChanged']);
    expect(e.type === 'AliasStatusChanged' && e.data.review?.overrideReason).toBe('launch promo');
  });

  it('given an open alias, when paused, reopened and retired, then each step is allowed; a retired alias stays retired', () => {
    spec
      .given(opened)
      .when(status({ to: 'paused' }))
      .thenTypes(['AliasStatusChanged']);
    spec
      .given([...opened, moved('open', 'paused')])
      .when(open('28.57'))
      .thenTypes(['AliasStatusChanged']);
    spec
      .given(opened)
      .when(status({ to: 'retired' }))
      .thenTypes(['AliasStatusChanged']);
    spec
      .given([...opened, moved('open', 'retired')])
      .when(status({ to: 'draft' }))
      .thenThrows('INVALID_STATUS_TRANSITION');
  });
});

describe('alias decider: margin flags', () => {
  it('given an open alias, when a change leaves a margin below the threshold, then AliasMarginFlagged (not paused)', () => {
    spec
      .given(opened)
      .when(flag('-5.00'))
      .then([
        {
          type: 'AliasMarginFlagged',
          data: {
            alias: 'chat',
            lines: [line(depA, '-5.00')],
            thresholdPercent: '0',
            paused: false,
            actor: 'admin-1',
            at: T0,
          },
        },
      ]);
  });

  it('given pause on low margin, when flagged, then the alias is paused as well', () => {
    const events = spec
      .given(opened)
      .when(flag('-5.00', { pause: true }))
      .thenTypes(['AliasMarginFlagged', 'AliasStatusChanged']);
    expect(events[1].data).toMatchObject({ from: 'open', to: 'paused' });
  });

  it('given the same low margin already flagged, when flagged again, then nothing; a draft or a healthy margin is never flagged', () => {
    const flagged: AliasEvent = {
      type: 'AliasMarginFlagged',
      data: {
        alias: 'chat',
        lines: [line(depA, '-5.00')],
        thresholdPercent: '0',
        paused: false,
        actor: 'a',
        at: T0,
      },
    };
    spec
      .given([...opened, flagged])
      .when(flag('-5.00'))
      .thenNothing();
    spec.given([defined]).when(flag('-5.00')).thenNothing();
    spec.given(opened).when(flag('12.00')).thenNothing();
  });

  it('given no alias, when flagged, then ALIAS_NOT_FOUND', () => {
    spec.given([]).when(flag('-5.00')).thenThrows('ALIAS_NOT_FOUND');
  });
});
