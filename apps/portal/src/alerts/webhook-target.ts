import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { Agent } from 'undici';

/**
 * Customers choose webhook URLs, so a delivery must not become a way into the operator's own network
 * (metadata services, databases, admin ports). Unless allowed (tests, single-tenant installs), a target
 * that is or resolves to a loopback, private, link-local or otherwise non-public address is refused —
 * checked on the address actually connected to, so a DNS answer cannot swap it in after a check.
 */
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
  NON_PUBLIC.addSubnet(`::ffff:${net}`, 96 + prefix, 'ipv6');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');

export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export class WebhookTargetRefused extends Error {
  constructor(host: string, address: string) {
    super(`webhook target ${host} is a non-public address (${address}); deliveries go to public hosts only`);
    this.name = 'WebhookTargetRefused';
  }
}

/** For a URL whose host is an IP literal or `localhost`: why it is refused, or null. */
export function literalTargetProblem(url: string, allowNonPublic: boolean): string | null {
  if (allowNonPublic) return null;
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
  if (host === 'localhost' || host.endsWith('.localhost') || isNonPublicAddress(host))
    return 'the URL must point to a public host, not a private or loopback address';
  return null;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** An undici dispatcher whose every connection is checked against the non-public ranges. */
export function webhookDispatcher(allowNonPublic: boolean, connectTimeoutMs: number): Agent {
  const lookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const list = addresses as LookupAddress[];
      const refused = allowNonPublic ? undefined : list.find((a) => isNonPublicAddress(a.address));
      if (refused) return callback(new WebhookTargetRefused(hostname, refused.address), []);
      if (options.all) return callback(null, list);
      callback(null, list[0]?.address ?? '', list[0]?.family);
    });
  };
  return new Agent({
    connect: { lookup: lookup as never, timeout: connectTimeoutMs },
    // Alerts are rare: no long-lived pools of idle connections to customers' hosts.
    keepAliveTimeout: 1_000,
    connections: 4,
  });
}
