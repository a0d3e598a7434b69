import { describe, expect, it } from 'vitest';
import { daemonReload, isActive, parseUnitShow, showUnits, systemctl, type UnitAction } from '../../src/remote/systemctl.js';

describe('remote/systemctl', () => {
  it.each<[UnitAction, string, string, string]>([
    ['start', 'asperaredisd', 'systemctl start asperaredisd', "systemctl start 'asperaredisd'"],
    ['stop', 'asperanoded', 'systemctl stop asperanoded', "systemctl stop 'asperanoded'"],
    ['restart', 'asperarund', 'systemctl restart asperarund', "systemctl restart 'asperarund'"],
    ['enable', 'asperaredissentinel', 'systemctl enable asperaredissentinel', "systemctl enable 'asperaredissentinel'"],
    ['disable', 'iptables', 'systemctl disable iptables', "systemctl disable 'iptables'"],
    ['reset-failed', 'asperaredisd', 'systemctl reset-failed asperaredisd', "systemctl reset-failed 'asperaredisd' 2>/dev/null; true"],
    ['stop', "odd 'unit'", "systemctl stop odd 'unit'", "systemctl stop 'odd '\\''unit'\\'''"],
  ])('%s %s', (action, unit, label, code) => {
    expect(systemctl(action, unit)).toEqual({ label, code });
  });

  it('daemon-reload, is-active and show', () => {
    expect(daemonReload()).toEqual({ label: 'systemctl daemon-reload', code: 'systemctl daemon-reload' });
    expect(isActive('firewalld')).toEqual({ label: 'systemctl is-active firewalld', code: "systemctl is-active 'firewalld'" });
    expect(showUnits(['asperaredisd', 'asperanoded'])).toEqual({
      label: 'systemctl show asperaredisd asperanoded',
      code: "systemctl show -p Id -p LoadState -p UnitFileState -p ActiveState -p MainPID -p UMask 'asperaredisd' 'asperanoded'",
    });
    expect(showUnits(['a'], 'the services').label).toBe('the services');
  });

  it.each([
    ['two units, one without a unit file', [
      'Id=asperaredisd.service', 'LoadState=loaded', 'UnitFileState=enabled', 'ActiveState=active', 'MainPID=42', 'UMask=0027', '',
      'Id=asperaredissentinel.service', 'LoadState=not-found', 'UnitFileState=', 'ActiveState=inactive', 'MainPID=0', 'UMask=0022',
    ].join('\n'), [
      { name: 'asperaredisd', load: 'loaded', enabled: 'enabled', active: 'active', mainPid: 42, umask: '0027' },
      { name: 'asperaredissentinel', load: 'not-found', enabled: '', active: 'inactive', mainPid: 0, umask: '0022' },
    ]],
    ['a block without Id is skipped', 'LoadState=loaded\n', []],
    ['nothing', '', []],
  ])('parseUnitShow: %s', (_name, output, units) => {
    expect([...parseUnitShow(output).values()]).toEqual(units);
  });
});
