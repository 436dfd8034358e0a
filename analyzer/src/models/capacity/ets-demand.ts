/**
 * The ETS forecaster (models/forecast) as capacity planning's demand
 * forecaster, with the Theil–Sen trend as the fallback for short histories.
 * ETS picks trend and seasonality by AICc, so a daily cycle in the demand is
 * forecast as such once there are two days of it; on a few hours of history
 * its choice is between level, (damped) trend and naive.
 */
import { forecastSeries } from '../forecast/forecast.ts';
import { linearTrendForecast, type DemandForecaster, type DemandForecastPoint } from './demand-forecast.ts';

export interface EtsDemandOptions {
  /** Finite points needed before ETS is used (default 120: two hours of minutes). */
  readonly minPoints?: number;
  readonly fallback?: DemandForecaster;
}

/** A demand forecaster that also says which model made its last forecast (the plan's `method`). */
export type LabelledForecaster = DemandForecaster & { label(): string };

export function etsDemandForecaster(opts: EtsDemandOptions = {}): LabelledForecaster {
  const minPoints = opts.minPoints ?? 120;
  const fallback = opts.fallback ?? linearTrendForecast;
  let last = 'theil-sen-trend';
  const forecast = (values: readonly number[], stepMs: number, horizon: number): DemandForecastPoint[] => {
    const finite = values.filter((v) => Number.isFinite(v)).length;
    if (finite >= minPoints) {
      try {
        const fc = forecastSeries({ values: values.map((v) => (Number.isFinite(v) ? v : null)), stepMs, horizon });
        last = `ets:${fc.model}`;
        // Demand is never negative; the bands of an additive model can be.
        return fc.points.map((p) => ({ value: Math.max(0, p.value), lower80: Math.max(0, p.lower80), upper80: Math.max(0, p.upper80) }));
      } catch {
        // A series ETS cannot fit (e.g. constant after cleaning) falls back to the trend.
      }
    }
    last = fallback === linearTrendForecast ? 'theil-sen-trend' : 'fallback-forecast';
    return fallback(values, stepMs, horizon);
  };
  return Object.assign(forecast, { label: () => last });
}
