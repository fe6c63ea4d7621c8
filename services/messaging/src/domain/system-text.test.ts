import { describe, expect, it } from 'vitest';
import { systemText } from './system-text.ts';

const handles = new Map([
  ['00000000-0000-4000-8000-000000000001', 'carol'],
  ['00000000-0000-4000-8000-000000000002', 'dave'],
  ['00000000-0000-4000-8000-000000000003', 'erin'],
]);
const [carol, dave, erin] = [...handles.keys()] as [string, string, string];

describe('systemText', () => {
  it('names who was added, in order', () => {
    expect(systemText({ action: 'added', user_uuids: [carol] }, handles)).toBe('added @carol');
    expect(systemText({ action: 'added', user_uuids: [carol, dave, erin] }, handles)).toBe(
      'added @carol, @dave and @erin',
    );
  });
  it('names a deleted account "Deleted user", without its handle', () => {
    expect(systemText({ action: 'added', user_uuids: [carol, dave] }, handles, new Set([dave]))).toBe(
      'added @carol and Deleted user',
    );
  });
  it('says what a leave and a rename did', () => {
    expect(systemText({ action: 'left', user_uuids: [carol] }, handles)).toBe('left the group');
    expect(systemText({ action: 'renamed', user_uuids: [], title: 'Weekend' }, handles)).toBe(
      'renamed the group to "Weekend"',
    );
    expect(systemText({ action: 'renamed', user_uuids: [], title: null }, handles)).toBe(
      "removed the group's title",
    );
  });
});
