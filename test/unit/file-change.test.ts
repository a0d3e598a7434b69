import { describe, expect, it } from 'vitest';
import { fileChange, privateMode } from '../../src/steps/common.js';
import type { FileFact } from '../../src/steps/types.js';

const fact = (content: string | null, mode: string): FileFact =>
  ({ path: '/etc/x.conf', content: content === null ? null : Buffer.from(content), owner: 'asperadaemon', group: 'aspadmins', mode });
const spec = (content: string, mode: string) => ({ path: '/etc/x.conf', content, owner: 'asperadaemon', group: 'aspadmins', mode });

describe('privateMode', () => {
  it('gives a new file 640', () => expect(privateMode(fact(null, ''))).toBe('640'));
  it('takes away what others may do and keeps the rest', () => {
    expect(privateMode(fact('x', '644'))).toBe('640');
    expect(privateMode(fact('x', '666'))).toBe('660');
    expect(privateMode(fact('x', '600'))).toBe('600');
    expect(privateMode(fact('x', '2644'))).toBe('2640');
  });
});

describe('fileChange', () => {
  it('is null when content, owner and mode already match', () => {
    expect(fileChange('s', fact('a', '640'), spec('a', '640'), { summary: 's', restarts: ['asperaredisd'] })).toBeNull();
  });

  it('restarts the service when the content changes', () => {
    const change = fileChange('s', fact('a', '640'), spec('b', '640'), { summary: 's', restarts: ['asperaredisd'] });
    expect(change?.restarts).toEqual(['asperaredisd']);
  });

  it('fixes a mode without restarting anything, and says so in the diff', () => {
    const change = fileChange('s', fact('a', '644'), spec('a', '640'), { summary: 's', restarts: ['asperaredisd'] });
    expect(change?.restarts).toBeUndefined();
    expect(change?.diff).toBe('# /etc/x.conf: asperadaemon:aspadmins 644 -> asperadaemon:aspadmins 640\n');
  });
});
