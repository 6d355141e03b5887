// URL building and redaction. Pure: no I/O, no clock.

/** Returns `url` with `remove` deleted and each param set (undefined deletes it). Other params are kept. */
export function withParams(url: string, params: Readonly<Record<string, string | number | undefined>>, remove: readonly string[] = []): string {
  const parsed = new URL(url);
  for (const key of remove) parsed.searchParams.delete(key);
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) parsed.searchParams.delete(key);
    else parsed.searchParams.set(key, String(value));
  }
  return parsed.toString();
}

/** Query parameter names that may carry credentials. */
const SECRET_PARAM = /key|token|secret|passw|pwd|signature|^sig$|auth|credential|session/i;

/**
 * A URL safe to show in logs, errors and reject locations: user info removed, credential-like query
 * values replaced, and any known secret value scrubbed wherever it appears.
 */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  let text: string;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    for (const key of [...new Set(parsed.searchParams.keys())]) {
      if (SECRET_PARAM.test(key)) parsed.searchParams.set(key, 'REDACTED');
    }
    text = parsed.toString();
  } catch {
    text = '(unparseable URL)';
  }
  return scrub(text, secrets);
}

/** Replaces every occurrence of each secret (raw or URL-encoded) in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length === 0) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
