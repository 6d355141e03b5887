// NPS survey answers: every quarter a few users of each account are asked "how likely are you to
// recommend us" (0–10); about half answer. Scores fall with the distress of the term they answer in (NPS).
import { instantOf, type Instant } from './days.ts';
import { periodIndexAt, type AccountLife } from './lifecycle.ts';
import { NPS } from './mechanisms.ts';
import { clamp, randomStream } from './random.ts';

export interface NpsResponse {
  readonly accountId: string;
  readonly respondent: string;
  readonly respondedAt: Instant;
  readonly score: number;
}

export function* npsResponses(life: AccountLife, seed: number): Generator<NpsResponse> {
  const rng = randomStream(seed, 'nps', life.account.index);
  const signals = life.periods.map((period) => period.distress + rng.normal(0, NPS.signalNoise));
  let periodIndex = 0;
  for (let day = life.firstDay + rng.int(0, NPS.surveyEveryDays - 1); day <= life.lastDay; day += NPS.surveyEveryDays) {
    periodIndex = periodIndexAt(life, day, periodIndex);
    const seats = life.periods[periodIndex]!.seats;
    const invited = Math.min(NPS.maxInvited, 1 + Math.floor(seats / NPS.seatsPerInvite));
    for (let respondent = 1; respondent <= invited; respondent++) {
      if (!rng.chance(NPS.responseRate)) continue;
      // Answers trickle in over the week after the survey goes out (never past the account's last day).
      const answerDay = Math.min(life.lastDay, day + rng.int(0, 6));
      const score = Math.round(clamp(NPS.meanScore + NPS.perUnit * signals[periodIndex]! + rng.normal(0, NPS.answerNoise), 0, 10));
      yield { accountId: life.account.id, respondent: `${life.account.id}-u${respondent}`, respondedAt: instantOf(answerDay, rng.int(8 * 3600, 18 * 3600)), score };
    }
  }
}
