import type { FastifyReply } from 'fastify';

// No scripts at all; styles only from our own stylesheet; forms only post back to us.
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** Sends a portal page with the security headers every page gets. Pages are per-user: never cached. */
export function sendHtml(reply: FastifyReply, status: number, html: string): void {
  reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', CONTENT_SECURITY_POLICY)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(html);
}

/** 303 so a POST is followed by a GET. Only same-site paths are ever passed here. */
export function redirect(reply: FastifyReply, location: string): void {
  reply.code(303).header('location', location).header('cache-control', 'no-store').send();
}
