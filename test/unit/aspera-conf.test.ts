import { describe, expect, it } from 'vitest';
import {
  desiredServerData, nodeApiEndpoint, parseServerSection, renderServerSection, serverDataChanges, setServerDataArg,
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

  it.each([
    ['<database> with its own <server> first', `<CONF version="2">
  <database><server><db_type>sqlite</db_type><db_port>4711</db_port></server></database>
  <server><db_type>ha_redis</db_type><db_port>41415</db_port></server>
</CONF>`, { db_type: 'ha_redis', db_port: '41415' }],
    ['only a <database> <server>', '<CONF><database><server><db_type>x</db_type></server></database></CONF>', {}],
    ['a self-closing <server/>', '<CONF><server/><default/></CONF>', {}],
    ['nested children of <server> are not its keys', '<CONF><server><ssl><https_port>1</https_port></ssl><https_port>9443</https_port></server></CONF>',
      { ssl: '<https_port>1</https_port>', https_port: '9443' }],
  ])('reads the top-level <server> only: %s', (_name, xml, want) => {
    expect(parseServerSection(xml)).toEqual(want);
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

describe('the Node API address from aspera.conf', () => {
  it.each([
    ['nothing set: HTTPS on 9092 (IBM\'s default)', {}, { scheme: 'https', port: 9092, host: '127.0.0.1' }],
    ['another https_port', { https_port: '9443' }, { scheme: 'https', port: 9443, host: '127.0.0.1' }],
    ['https disabled, http enabled', { enable_https: 'false', enable_http: 'true' }, { scheme: 'http', port: 9091, host: '127.0.0.1' }],
    ['https disabled, http on another port', { enable_https: 'false', enable_http: 'true', http_port: '8080' }, { scheme: 'http', port: 8080, host: '127.0.0.1' }],
    ['both disabled', { enable_https: 'false' }, null],
    ['an unusable https_port falls back to the default', { https_port: '99999' }, { scheme: 'https', port: 9092, host: '127.0.0.1' }],
    ['<listen> overrides the rest', { https_port: '9443', listen: '127.0.0.1:9091,0.0.0.0:8443s' }, { scheme: 'https', port: 8443, host: '127.0.0.1' }],
    ['<listen> with HTTP only, on an address', { listen: '192.0.2.5:9091' }, { scheme: 'http', port: 9091, host: '192.0.2.5' }],
    ['<listen> with a bare port', { listen: '9555s' }, { scheme: 'https', port: 9555, host: '127.0.0.1' }],
    ['<listen> on IPv6', { listen: '[::1]:9443s' }, { scheme: 'https', port: 9443, host: '::1' }],
    ['<listen> with a name: passed over for the next entry', { listen: 'attacker.example:9443s,127.0.0.1:9091' }, { scheme: 'http', port: 9091, host: '127.0.0.1' }],
    ['<listen> with an IPv6 zone: passed over', { listen: '[fe80::1%eth0]:9443s,9555s' }, { scheme: 'https', port: 9555, host: '127.0.0.1' }],
    ['<listen> with names only: as if there were none', { listen: 'a.example:9443s', https_port: '9443' }, { scheme: 'https', port: 9443, host: '127.0.0.1' }],
  ])('%s', (_name, server, want) => {
    expect(nodeApiEndpoint(server)).toEqual(want);
  });

  it('reads the keys of the top-level <server> when <database> comes first', () => {
    const xml = '<CONF><database><server><https_port>1111</https_port></server></database><server><https_port>9443</https_port></server></CONF>';
    expect(nodeApiEndpoint(parseServerSection(xml))?.port).toBe(9443);
  });
});
