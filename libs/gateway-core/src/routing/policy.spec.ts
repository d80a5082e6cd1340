import { applyProviderPolicy, compileProviderPolicy, type ProviderPolicySpec } from './policy';

const open: ProviderPolicySpec = {
  allowProviders: null,
  denyProviders: [],
  allowDeployments: null,
  denyDeployments: [],
  requiredRegion: null,
  routingPolicy: null,
};
const deployments = [
  { id: 'd-us', providerId: 'p-us', region: 'us' },
  { id: 'd-eu', providerId: 'p-eu', region: 'eu' },
  { id: 'd-eu2', providerId: 'p-eu2', region: 'eu' },
  { id: 'd-none', providerId: 'p-none', region: null },
];
const ids = (spec: Partial<ProviderPolicySpec>) =>
  applyProviderPolicy(compileProviderPolicy({ ...open, ...spec }), deployments, (d) => d.region).allowed.map(
    (d) => d.id,
  );

describe('workspace provider policy', () => {
  it('given no policy, every deployment stays in its order', () => {
    expect(applyProviderPolicy(null, deployments, (d) => d.region).allowed).toBe(deployments);
    expect(ids({})).toEqual(['d-us', 'd-eu', 'd-eu2', 'd-none']);
  });

  it('given "only providers tagged eu", untagged and other regions are excluded', () => {
    expect(ids({ requiredRegion: 'eu' })).toEqual(['d-eu', 'd-eu2']);
  });

  it('given deny lists, denied providers and deployments are excluded; allow lists keep only what they name', () => {
    expect(ids({ denyProviders: ['p-us'] })).toEqual(['d-eu', 'd-eu2', 'd-none']);
    expect(ids({ denyDeployments: ['d-eu'] })).toEqual(['d-us', 'd-eu2', 'd-none']);
    expect(ids({ allowProviders: ['p-eu2', 'p-none'] })).toEqual(['d-eu2', 'd-none']);
    expect(ids({ allowDeployments: ['d-us'] })).toEqual(['d-us']);
  });

  it('given rules that together exclude everything, nothing is left and each exclusion says why', () => {
    const r = applyProviderPolicy(
      compileProviderPolicy({ ...open, requiredRegion: 'eu', denyDeployments: ['d-eu', 'd-eu2'] }),
      deployments,
      (d) => d.region,
    );
    expect(r.allowed).toEqual([]);
    expect(r.excluded).toEqual([
      "provider 'p-us' is not tagged 'eu'",
      "deployment 'd-eu' is denied",
      "deployment 'd-eu2' is denied",
      "provider 'p-none' is not tagged 'eu'",
    ]);
  });
});
