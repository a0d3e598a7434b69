import { describe, expect, it } from 'vitest';
import { asconfigurator, asperaConfHolds } from '../../src/remote/asconfigurator.js';
import { addUser } from '../../src/remote/users.js';

describe('remote/asconfigurator and remote/users', () => {
  it.each([
    [asconfigurator('set_server_data;db_port,41415'), {
      label: "asconfigurator -x 'set_server_data;db_port,41415'",
      code: "/opt/aspera/bin/asconfigurator -x 'set_server_data;db_port,41415'",
    }],
    [asperaConfHolds(['<db_type>redis</db_type>']), {
      label: 'check <server> in /opt/aspera/etc/aspera.conf',
      code: "grep -qF '<db_type>redis</db_type>' /opt/aspera/etc/aspera.conf || { echo \"aspera.conf does not read back <db_type>redis</db_type>\"; exit 1; }",
    }],
    [addUser('alice', '/bin/aspshell'), { label: 'useradd --create-home --shell /bin/aspshell alice', code: "useradd --create-home --shell '/bin/aspshell' 'alice'" }],
    [addUser('alice', '/bin/bash'), { label: 'useradd --create-home --shell /bin/bash alice', code: "useradd --create-home --shell '/bin/bash' 'alice'" }],
  ])('%j', (command, expected) => {
    expect(command).toEqual(expected);
  });

  it('checks every element, one line each', () => {
    expect(asperaConfHolds(['<a>1</a>', '<b>2</b>']).code.split('\n')).toHaveLength(2);
  });
});
