// HTML output shared by the alert preview and the weekly report (pipelines/report/ imports it): the
// escape for every value put into a page, and the Content-Security-Policy both pages carry. Pure.

/** The pages need nothing but inline CSS and inline SVG; if a value ever slipped past escaping, the
 *  browser would still refuse to run a script, load anything from elsewhere or submit a form. */
export const STRICT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export const cspMeta = `<meta http-equiv="Content-Security-Policy" content="${STRICT_CSP}">`;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
