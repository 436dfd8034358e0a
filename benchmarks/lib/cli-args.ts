/**
 * A numeric command-line option (parseArgs gives strings), checked once: a
 * benchmark with a nonsense setting exits with the reason instead of
 * measuring something else.
 */
export function numberOption(args: Readonly<Record<string, unknown>>, name: string, min: number, opts: { integer?: boolean } = {}): number {
  const raw = args[name];
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || (opts.integer === true && !Number.isInteger(v))) {
    console.error(`--${name} must be a ${opts.integer === true ? 'whole ' : ''}number >= ${min}, got ${String(raw)}`);
    process.exit(2);
  }
  return v;
}
