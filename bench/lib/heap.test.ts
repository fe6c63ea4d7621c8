import { describe, expect, it } from 'vitest';
import { parseHeapMetrics } from './heap.ts';

describe('parseHeapMetrics', () => {
  it('reads the heap used and the major collections from prom-client default metrics', () => {
    const text = [
      '# HELP nodejs_heap_size_used_bytes Process heap size used from Node.js in bytes.',
      'nodejs_heap_size_total_bytes{service="users"} 20971520',
      'nodejs_external_memory_bytes{service="users"} 3145728',
      'nodejs_heap_size_used_bytes{service="users"} 12582912',
      'nodejs_gc_duration_seconds_count{kind="minor",service="users"} 40',
      'nodejs_gc_duration_seconds_count{kind="major",service="users"} 3',
    ].join('\n');
    expect(parseHeapMetrics(text)).toEqual({ usedMb: 12, totalMb: 20, externalMb: 3, majorGcs: 3 });
  });

  it('counts no major collection before the first, and is undefined without heap metrics', () => {
    expect(parseHeapMetrics('nodejs_heap_size_used_bytes 1048576')).toEqual({
      usedMb: 1,
      totalMb: Number.NaN,
      externalMb: Number.NaN,
      majorGcs: 0,
    });
    expect(parseHeapMetrics('up 1')).toBeUndefined();
  });
});
