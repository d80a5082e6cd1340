/** Minimal RFC 6265 cookie handling: the portal only needs two cookies, so no plugin. */
const MAX_COOKIES = 50;

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  const parts = header.split(';', MAX_COOKIES);
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!out.has(name)) {
      try {
        out.set(name, decodeURIComponent(value));
      } catch {
        out.set(name, value);
      }
    }
  }
  return out;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  secure: boolean;
}

/** `HttpOnly; SameSite=Lax; Path=/` always; `Secure` when asked. Max-Age 0 deletes. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const attrs = [`${name}=${encodeURIComponent(value)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAgeSeconds !== undefined)
    attrs.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`);
  if (options.secure) attrs.push('Secure');
  return attrs.join('; ');
}
