import { runLearningLoop, type LearningLoopOptions } from '../queries/recommendations/learning-loop.ts';
import type { Job } from './job.ts';

/**
 * The learning loop's round: detect new versions, measure the recommendations
 * they (or an operator) applied, flag deploys that made things worse.
 * Registered after the recommendation job, so a round measures against the
 * findings it has just refreshed.
 */
export function outcomeJob(opts: LearningLoopOptions = {}): Job {
  return {
    name: 'outcomes',
    async run(ctx) {
      const r = await runLearningLoop({ client: ctx.client, events: ctx.events, log: ctx.log, signal: ctx.signal, now: new Date(ctx.now) }, opts);
      return {
        findings: r.outcomes + r.regressions,
        detail: { deploys_detected: r.deploysDetected, deploys_measured: r.deploysMeasured, outcomes: r.outcomes, regressions: r.regressions },
      };
    },
  };
}
