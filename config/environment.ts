// The only module that reads process.env. Everything else receives these values as parameters,
// so tests can run any combination without touching global state.
import { z } from 'zod';

const environmentSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  RADAR_DATA_DIR: z.string().min(1).optional(),
  RADAR_CONFIG: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().min(1).optional(),
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_API_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).optional(),
  CI: z.string().optional(),
});

export type Environment = Readonly<z.infer<typeof environmentSchema>>;

/** Parses the environment once. Unknown variables are ignored; malformed known ones are errors. */
export function readEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const picked = Object.fromEntries(
    Object.keys(environmentSchema.shape).flatMap((key) => {
      const value = source[key];
      return value === undefined || value === '' ? [] : [[key, value]];
    }),
  );
  const parsed = environmentSchema.safeParse(picked);
  if (!parsed.success) {
    // Never echo values: some of these are secrets.
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return Object.freeze(parsed.data);
}

/** Secret values that must never appear in logs. */
export function secretValues(environment: Environment): string[] {
  return [environment.SLACK_BOT_TOKEN, environment.SLACK_SIGNING_SECRET].filter((v): v is string => Boolean(v));
}

const SECRET_NAME = /^[A-Z][A-Z0-9_]{1,63}$/;
const NOT_SECRETS = new Set(['PATH', 'HOME', 'USER', 'SHELL', 'PWD', 'NODE_OPTIONS']);

/**
 * Reads a secret whose variable name comes from config (e.g. a source's `auth.env`). The name is
 * checked against a pattern and a deny-list so config cannot be used to read arbitrary process state.
 */
export function readSecret(name: string, source: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!SECRET_NAME.test(name) || NOT_SECRETS.has(name)) throw new Error(`${name} is not an allowed secret variable name`);
  const value = source[name];
  return value === undefined || value === '' ? undefined : value;
}
