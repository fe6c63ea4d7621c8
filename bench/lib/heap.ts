/** What a service's /metrics says of its V8 heap: used bytes over every space, and major collections so far. */
export interface HeapReading {
  usedMb: number;
  /** What V8 has committed for its heap (used plus free space it keeps): the heap's part of RSS. */
  totalMb: number;
  /** Memory V8 knows of outside its heap: Buffers and ArrayBuffers (sockets, SDK responses). */
  externalMb: number;
  majorGcs: number;
}

/** Reads prom-client's default process metrics (`nodejs_heap_size_used_bytes`, `nodejs_gc_duration_seconds`). */
export function parseHeapMetrics(text: string): HeapReading | undefined {
  const used = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  if (used === undefined) return undefined;
  const total = /^nodejs_heap_size_total_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  const external = /^nodejs_external_memory_bytes(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1];
  const major = /^nodejs_gc_duration_seconds_count\{[^}]*kind="major"[^}]*\} (\S+)$/m.exec(text)?.[1];
  return {
    usedMb: Number(used) / (1024 * 1024),
    totalMb: total === undefined ? Number.NaN : Number(total) / (1024 * 1024),
    externalMb: external === undefined ? Number.NaN : Number(external) / (1024 * 1024),
    majorGcs: major === undefined ? 0 : Number(major),
  };
}

/** The heap of the service at `url`, or undefined when its /metrics does not answer. */
export async function heapReading(url: string): Promise<HeapReading | undefined> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? parseHeapMetrics(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
