// The weekly report's output formats: a leaf module, so `radar --help` can list them without loading
// the renderers.
export type ReportFormat = 'html' | 'md' | 'json';
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'md', 'json'];
