import { describe, expect, it } from 'vitest';
import { makeDirectory, removeFileCommand, writeFileCommand } from '../../src/remote/files.js';

describe('remote/files', () => {
  it('writes through a temp file beside the target, content as an input', () => {
    const command = writeFileCommand({ path: '/etc/x/a.conf', content: 'secret=1\n', owner: 'root', group: 'adm', mode: '640' });
    expect(command.label).toBe('write /etc/x/a.conf (root:adm 640)');
    expect(command.code).toBe("install -T -o 'root' -g 'adm' -m '640' \"$IN/content\" '/etc/x/.a.conf.hsts-cluster.tmp' && " +
      "mv -f -T '/etc/x/.a.conf.hsts-cluster.tmp' '/etc/x/a.conf' || { rm -f '/etc/x/.a.conf.hsts-cluster.tmp' 2>/dev/null; exit 1; }");
    expect(command.inputs).toEqual({ content: Buffer.from('secret=1\n') });
    expect(command.code).not.toContain('secret=1');
  });

  it('quotes the mode for the shell (a snapshot read back from a node names it)', () => {
    const command = writeFileCommand({ path: '/etc/x/a.conf', content: '', owner: 'root', group: 'adm', mode: '640 /etc/shadow' });
    expect(command.code).toContain("-m '640 /etc/shadow' ");
  });

  it.each([
    ['/etc/motd', "rm -f '/etc/motd'"],
    ['/etc/systemd/system/x.service.d/a.conf', "rm -f '/etc/systemd/system/x.service.d/a.conf' && rmdir --ignore-fail-on-non-empty '/etc/systemd/system/x.service.d'"],
  ])('removes %s', (path, code) => {
    expect(removeFileCommand(path)).toEqual({ label: `remove ${path}`, code });
  });

  it.each([
    ['/etc/iptables', {}, "mkdir -p '/etc/iptables'"],
    ['/etc/x.d', { mode: '0755' }, "install -d -m 0755 '/etc/x.d'"],
    ['/opt/state', { mode: '0700', owner: { user: 'root', group: 'root' } }, "install -d -o 'root' -g 'root' -m 0700 '/opt/state'"],
  ])('makes the directory %s %j', (path, options, code) => {
    expect(makeDirectory(path, options)).toEqual({ label: `mkdir -p ${path}`, code });
  });
});
