/** The two periods a root-cause analysis compares, unix ns, [from, to). */
export interface RcaPeriods {
  readonly fromNs: bigint;
  readonly toNs: bigint;
  readonly baselineFromNs: bigint;
  readonly baselineToNs: bigint;
}

/** Query parameters shared by the root-cause queries (Int64 ns and whole seconds). */
export function periodParams(p: RcaPeriods): Record<string, string | number> {
  return {
    from: p.fromNs.toString(),
    to: p.toNs.toString(),
    bFrom: p.baselineFromNs.toString(),
    bTo: p.baselineToNs.toString(),
    fromS: Number(p.fromNs / 1_000_000_000n),
    toS: Number((p.toNs + 999_999_999n) / 1_000_000_000n),
    bFromS: Number(p.baselineFromNs / 1_000_000_000n),
    bToS: Number(p.baselineToNs / 1_000_000_000n),
  };
}

/** The pod or instance a telemetry row came from: k8s.pod.name first, then service.instance.id. */
export const INSTANCE_EXPR = `if(ResourceAttributes['k8s.pod.name'] != '', ResourceAttributes['k8s.pod.name'], ResourceAttributes['service.instance.id'])`;

export const JSON_NUMBERS = { output_format_json_quote_64bit_integers: 0 } as const;
