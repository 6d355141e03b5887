import { z } from 'zod';

export const forecastConfigSchema = z
  .object({
    simulations: z
      .number()
      .int()
      .min(1000)
      .max(1_000_000)
      .default(20_000)
      .describe('Simulated outcomes behind the renewed-ARR intervals (the renewed-logo intervals are exact).'),
    seed: z.number().int().min(0).max(4_294_967_295).default(1).describe('Seed of that simulation: the same accounts and seed give the same interval.'),
    topContributors: z.number().int().min(1).max(100).default(10).describe('How many accounts the report lists as the largest contributors to the expected loss.'),
  })
  .strict();

export type ForecastConfig = z.infer<typeof forecastConfigSchema>;
