import { describe, expect, it } from 'vitest';
import {
  desiredServerData, parseServerSection, renderServerSection, serverDataChanges, setServerDataArg,
} from '../../src/hsts/aspera-conf.js';

// The specification's example of a configured <server> section (its addresses are documentation only).
const SPEC_EXAMPLE = `<?xml version='1.0' encoding='UTF-8'?>
<CONF version="2">
<server>
  <db_type>ha_redis</db_type>
  <db_host>10.11.100.160,10.11.52.248,10.11.52.249</db_host>
  <db_port>41415,41415,41415</db_port>
</server>
<default><file_system/></default>
</CONF>`;

describe('aspera.conf <server>', () => {
  it('reads the specification\'s example', () => {
    expect(parseServerSection(SPEC_EXAMPLE)).toEqual({
      db_type: 'ha_redis',
      db_host: '10.11.100.160,10.11.52.248,10.11.52.249',
      db_port: '41415,41415,41415',
    });
  });

  it('reads nothing from a file without <server>, and ignores comments', () => {
    expect(parseServerSection('<CONF></CONF>')).toEqual({});
    expect(parseServerSection('<CONF><!-- <server><db_type>x</db_type></server> --></CONF>')).toEqual({});
  });

  it('wants the procedure\'s four keys, in inventory order, and names only those that differ', () => {
    const desired = desiredServerData({
      sentinels: [{ ip: '10.11.100.160', port: 41415 }, { ip: '10.11.52.248', port: 41415 }, { ip: '10.11.52.249', port: 41415 }],
      primarySet: 'myprimary_set',
    });
    expect(desired).toEqual({
      db_type: 'ha_redis',
      db_host: '10.11.100.160,10.11.52.248,10.11.52.249',
      db_port: '41415,41415,41415',
      db_primaryset: 'myprimary_set',
    });
    expect(serverDataChanges(parseServerSection(SPEC_EXAMPLE), desired)).toEqual(['db_primaryset']);
  });

  it('quotes list values for asconfigurator as the specification does', () => {
    expect(setServerDataArg('db_type', 'ha_redis')).toBe('set_server_data;db_type,ha_redis');
    expect(setServerDataArg('db_port', '41415,41415,41415')).toBe('set_server_data;db_port,"41415,41415,41415"');
  });

  it('shows the section as the procedure does, for diffs', () => {
    expect(renderServerSection({ db_type: 'ha_redis', other: 'x' }, ['db_type', 'db_host'])).toBe(
      '<server>\n    <db_type>ha_redis</db_type>\n</server>\n',
    );
  });
});
