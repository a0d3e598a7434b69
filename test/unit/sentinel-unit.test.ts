import { describe, expect, it } from 'vitest';
import { renderSentinelUnit } from '../../src/hsts/sentinel-unit.js';

const SHIPPED = `[Unit]
Description=IBM Aspera Redis Sentinel

[Service]
Type=simple
User=asperadaemon
ExecStart=/usr/bin/redis-sentinel /opt/aspera/etc/redis/sentinel_41415.conf

[Install]
WantedBy=multi-user.target
`;

describe('renderSentinelUnit', () => {
  it('adds UMask=0027 at the top of [Service] and changes nothing else', () => {
    const out = renderSentinelUnit(SHIPPED);
    expect(out).toBe(SHIPPED.replace('[Service]\n', '[Service]\nUMask=0027\n'));
  });

  it('is stable when applied to its own output', () => {
    const once = renderSentinelUnit(SHIPPED);
    expect(renderSentinelUnit(once)).toBe(once);
  });

  it('keeps a umask the shipped unit sets itself', () => {
    const own = SHIPPED.replace('Type=simple', 'Type=simple\nUMask=0077');
    expect(renderSentinelUnit(own)).toBe(own);
  });

  it('does not take a UMask of another section for the service one', () => {
    const elsewhere = SHIPPED.replace('[Install]\n', '[Install]\nUMask=0022\n');
    expect(renderSentinelUnit(elsewhere)).toContain('[Service]\nUMask=0027\nType=simple');
  });
});
