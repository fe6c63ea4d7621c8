/** What one or more scrapes hold: every series name with the label names its samples carry. */
export type ScrapedSeries = Map<string, Set<string>>;

/**
 * Reads the Prometheus text exposition format (what /metrics serves) into series names and their label
 * names. Only sample lines count: a metric that was declared but has no sample is not there for a query.
 */
export function scrapedSeries(text: string, into: ScrapedSeries = new Map()): ScrapedSeries {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{\s]/);
    const name = nameEnd < 0 ? line : line.slice(0, nameEnd);
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`not a sample line: ${line}`);
    const labels = into.get(name) ?? new Set<string>();
    into.set(name, labels);
    if (line[nameEnd] === '{') for (const label of labelNames(line, nameEnd + 1)) labels.add(label);
  }
  return into;
}

/** The label names of `{a="x",b="y\"z"}` starting after the brace; values may hold any escaped character. */
function labelNames(line: string, start: number): string[] {
  const names: string[] = [];
  let i = start;
  while (i < line.length && line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') throw new Error(`bad labels: ${line}`);
    names.push(line.slice(i, eq).trim());
    i = eq + 2;
    while (i < line.length && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i += 1;
    if (line[i] === ',') i += 1;
  }
  if (line[i] !== '}') throw new Error(`unterminated labels: ${line}`);
  return names;
}
