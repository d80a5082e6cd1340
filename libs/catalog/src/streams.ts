/**
 * Catalog stream naming, in one place so admin writes, projections and corrections agree.
 *
 * Model and alias names may hold characters other stores treat specially (`/`, `:`, spaces) and `-`,
 * which separates segments, so they are encoded: `[A-Za-z0-9._]` stay, every other UTF-8 byte becomes
 * `~XX` (hex). The encoding is injective, so two names never share a stream.
 */
export const PROVIDER_STREAM_PREFIX = 'provider-';
export const COST_PROFILE_STREAM_PREFIX = 'cost-profile-';
export const SELL_PRICE_STREAM_PREFIX = 'sell-price-';
export const ALIAS_STREAM_PREFIX = 'alias-';
export const API_KEY_STREAM_PREFIX = 'api-key-';

const SAFE_BYTE = /^[A-Za-z0-9._]$/;

/** Stream-safe, reversible encoding of a model (or alias) name. */
export function modelKey(model: string): string {
  let out = '';
  for (const ch of model) {
    if (SAFE_BYTE.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of Buffer.from(ch, 'utf8')) out += `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** Inverse of `modelKey`. */
export function decodeModelKey(key: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < key.length;) {
    if (key[i] === '~') {
      const hex = key.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) throw new Error(`invalid model key ${JSON.stringify(key)}`);
      bytes.push(parseInt(hex, 16));
      i += 3;
    } else {
      bytes.push(key.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

export function providerStream(providerId: string): string {
  return PROVIDER_STREAM_PREFIX + providerId;
}

/** The model segment holds no `-`, so the stream name splits unambiguously at its last `-`. */
export function costProfileStream(providerId: string, upstreamModel: string): string {
  return `${COST_PROFILE_STREAM_PREFIX}${providerId}-${modelKey(upstreamModel)}`;
}

export function sellPriceStream(alias: string): string {
  return SELL_PRICE_STREAM_PREFIX + modelKey(alias);
}

export function aliasStream(alias: string): string {
  return ALIAS_STREAM_PREFIX + modelKey(alias);
}

export function apiKeyStream(keyId: string): string {
  return API_KEY_STREAM_PREFIX + keyId;
}
