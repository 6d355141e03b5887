import type { z } from 'zod';
import { RadarError } from '../pipelines/errors.ts';

/** Formats zod issues as `path.to.key: message` lines, the form analysts see from `radar config check`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => (path ? `${path}.${key}` : key));
      return `${keys.join(', ')}: unknown key${keys.length > 1 ? 's' : ''} (check the spelling; see config/radar.schema.json)`;
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}

export class ConfigError extends RadarError {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super('config_invalid', `invalid config ${file}:\n  ${problems.join('\n  ')}`, { file, problems });
    this.problems = problems;
  }
}
