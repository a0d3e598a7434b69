import { describe, expect, it } from 'vitest';
import { parseBatchCommand, parseFrames, frame } from '../../bench/farm/script.js';
import { commandKey, render, tokenise } from '../../bench/farm/tokens.js';
import { renderBatch, wrapForPrivilege } from '../../src/ssh/remote-script.js';
import { waitForPrimaryReplicas, waitForSentinelPeers, waitForSentinelReplicas } from '../../src/remote/readiness.js';
import { Secret } from '../../src/util/secret.js';

describe('the farm reads hsts-cluster batches', () => {
  it.each(['stop-on-error', 'run-all', 'parallel'] as const)('gets back each command\'s code and the mode (%s)', (mode) => {
    const commands = [
      { label: 'a', code: "echo 'it''s'\n}\necho done" },
      { label: 'b', code: 'for x in 1 2; do\n  echo "$x"\ndone' },
    ];
    const { command } = wrapForPrivilege(renderBatch(commands, mode).script, 'root', undefined, 'hsts-cluster:run:facts');
    expect(parseBatchCommand(`timeout -k 5 60 ${command}`)).toEqual({ codes: commands.map((c) => c.code), mode });
  });

  it('frames answers as the batch script does', () => {
    const answer = { exitCode: 3, ms: 12, output: 'line 1\nline 2' };
    expect(parseFrames(frame(4, answer)).get(4)).toEqual(answer);
  });
});

describe('the farm\'s node-specific values', () => {
  const rig = { ips: ['172.20.0.3', '172.20.0.4', '172.20.0.2'], self: 1, primary: 0 };
  const farm = (n: number, self: number) => ({ ips: Array.from({ length: n }, (_, i) => `198.18.0.${i + 1}`), self, primary: 0 });

  it('makes tokens of addresses, plain or as a regular expression writes them', () => {
    expect(tokenise('bind 172.20.0.4 ip=172\\.20\\.0\\.2 primary 172.20.0.3 other 127.0.0.1', rig))
      .toBe('bind @@self@@ ip=@@ip:3@@ primary @@primary@@ other 127.0.0.1');
  });

  const sentinelAt = (ip: string) => ({ ip, port: 41415, password: new Secret('pw'), owner: { unit: 'asperaredissentinel', user: 'asperadaemon' } });

  it('gives the same key to a command for 3 nodes and for 7', () => {
    const code = (view: { ips: string[] }) => [
      `asconfigurator -x 'set_server_data;db_host,"${view.ips.join(',')}"'`,
      `asconfigurator -x 'set_server_data;db_port,"${view.ips.map(() => '41415').join(',')}"'`,
      ...view.ips.map((ip) => `-A HSTS-CLUSTER -s ${ip}/32 -j ACCEPT`),
      `grep -q master${view.ips.slice(1).map((ip) => ` && grep -Eq '^slave[0-9]+:ip=${ip.replaceAll('.', '\\.')},port=31415'`).join('')}; do`,
      `echo 'not connected to all ${view.ips.length - 1} other Sentinels'`,
      // The readiness checks as up sends them: what they wait for counts the other nodes.
      ...[waitForSentinelPeers, waitForSentinelReplicas].map((wait) => wait(sentinelAt(view.ips[1]!), 'aspera', view.ips.length - 1, { timeoutMs: 30_000 }).code),
      waitForPrimaryReplicas({ ...sentinelAt(view.ips[0]!), port: 31415 }, view.ips.slice(1), { timeoutMs: 30_000 }).code,
    ].join('\n');
    expect(commandKey(tokenise(code(farm(7, 2)), farm(7, 2)))).toBe(commandKey(tokenise(code(rig), rig)));
  });

  it('re-makes lists of nodes and counts for the farm\'s size', () => {
    const recorded = { nodes: 3, self: 0, primary: 0 };
    const answer = [
      '<db_host>@@self@@,@@ip:2@@,@@ip:3@@</db_host>',
      '<db_port>41415,41415,41415</db_port>',
      'connected_slaves:2',
      'slave0:ip=@@ip:2@@,port=31415,state=online',
      'slave1:ip=@@ip:3@@,port=31415,state=online',
      '-A HSTS-CLUSTER -s @@self@@/32 -j ACCEPT',
      '-A HSTS-CLUSTER -s @@ip:2@@/32 -j ACCEPT',
      '-A HSTS-CLUSTER -s @@ip:3@@/32 -j ACCEPT',
      'sentinel monitor myprimary @@self@@ 31415 2',
    ].join('\n');
    expect(render(answer, recorded, farm(4, 0)).split('\n')).toEqual([
      '<db_host>198.18.0.1,198.18.0.2,198.18.0.3,198.18.0.4</db_host>',
      '<db_port>41415,41415,41415,41415</db_port>',
      'connected_slaves:3',
      'slave0:ip=198.18.0.2,port=31415,state=online',
      'slave1:ip=198.18.0.3,port=31415,state=online',
      'slave2:ip=198.18.0.4,port=31415,state=online',
      '-A HSTS-CLUSTER -s 198.18.0.1/32 -j ACCEPT',
      '-A HSTS-CLUSTER -s 198.18.0.2/32 -j ACCEPT',
      '-A HSTS-CLUSTER -s 198.18.0.3/32 -j ACCEPT',
      '-A HSTS-CLUSTER -s 198.18.0.4/32 -j ACCEPT',
      'sentinel monitor myprimary 198.18.0.1 31415 2',
    ]);
  });
});
