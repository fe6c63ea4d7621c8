import { describe, expect, it } from 'vitest';
import { parseResidentMemory } from './traffic.ts';

describe('parseResidentMemory', () => {
  it('reads RSS and its anonymous and file-backed parts from /proc/<pid>/status', () => {
    const status = [
      'Name:\tnode',
      'VmRSS:\t  102400 kB',
      'RssAnon:\t   61440 kB',
      'RssFile:\t   40960 kB',
    ].join('\n');
    expect(parseResidentMemory(status)).toEqual({
      rss: 100 * 1048576,
      anon: 60 * 1048576,
      file: 40 * 1048576,
    });
  });

  it('counts all of RSS as allocated where the kernel does not split it, and is undefined without VmRSS', () => {
    expect(parseResidentMemory('VmRSS:\t1024 kB')).toEqual({ rss: 1048576, anon: 1048576, file: 0 });
    expect(parseResidentMemory('Name:\tnode')).toBeUndefined();
  });
});
