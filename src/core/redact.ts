/**
 * Keeping credentials out of messages: URLs are printed without their
 * user, password and secret-looking query parameters.
 * @module
 */

const SECRET_PARAM = /^(key|api[-_]?key|apikey|token|access[-_]?token|auth|password|secret|sig|signature)$/i;

/**
 * `url` without credentials: `redis://:pw@host:6379` → `redis://***@host:6379`,
 * `https://x/v1?key=abc` → `https://x/v1?key=***`. Anything that does not
 * parse as a URL has a `//user:pass@` part masked.
 *
 * @example
 * ```ts
 * redactUrl('http://user:secret@127.0.0.1:11434'); // 'http://***@127.0.0.1:11434'
 * ```
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
  const creds = u.username !== '' || u.password !== '';
  let query = '';
  if (u.search !== '') {
    const parts: string[] = [];
    for (const [k, v] of u.searchParams) parts.push(`${encodeURIComponent(k)}=${SECRET_PARAM.test(k) ? '***' : encodeURIComponent(v)}`);
    query = `?${parts.join('&')}`;
  }
  if (!creds && !u.search) return url;
  return `${u.protocol}//${creds ? '***@' : ''}${u.host}${u.pathname === '/' && !query ? '' : u.pathname}${query}`;
}

/**
 * `text` with anything that looks like a credential in a URL masked: the
 * `user:password@` part, secret-looking query parameters, `Bearer`/`Basic`
 * tokens and `sk-…` API keys (for error
 * messages from libraries that quote the URL they were given).
 *
 * @example
 * ```ts
 * redactText('fetch http://u:p@host/x?key=1 failed'); // 'fetch http://***@host/x?key=*** failed'
 * ```
 */
export function redactText(text: string): string {
  return text
    .replace(/\/\/[^\s/@]+@/g, '//***@')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 ***')
    .replace(/\bsk-[A-Za-z0-9_-]{10,}/g, 'sk-***').replace(/([?&](?:key|api[-_]?key|apikey|token|access[-_]?token|auth|password|secret|sig|signature)=)[^&\s#/]+/gi, '$1***');
}
