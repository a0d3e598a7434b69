import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UsageError } from '../util/errors.js';
import type { Problem } from '../util/problem.js';
import { JsonSyntaxError, parseJsonText, type JsonDocument } from './json-text.js';
import { parseYamlText, YamlSyntaxError } from './yaml-text.js';
import { readAnsibleInventory } from './ansible.js';
import { looksLikeAnsibleIni } from './ansible-ini.js';
import { isAnsibleYaml } from './ansible-yaml.js';

/** How the inventory path was chosen: -i, the HSTS_CLUSTER_INVENTORY variable, or the default. */
export type InventorySource = 'option' | 'env' | 'default';

const START = 'start from inventory.example.json (copy it to inventory.json and edit the nodes)';

function notFound(path: string, source: InventorySource): Problem {
  if (source === 'default') {
    return {
      message: `no ${path} in ${process.cwd()}`,
      hint: `pass -i FILE (or set HSTS_CLUSTER_INVENTORY=FILE), or ${START}`,
    };
  }
  const how = source === 'env' ? `HSTS_CLUSTER_INVENTORY=${path}` : `-i ${path}`;
  return { message: `${how}: no such inventory file`, hint: `check the path (relative to ${process.cwd()}), or ${START}` };
}

const isYamlName = (path: string) => /\.ya?ml$/i.test(path);

/** A file not named .yaml whose first line reads as YAML (Ansible's inventories do): read it as YAML. */
function looksLikeYaml(text: string): boolean {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  return first !== undefined && (first === '---' || /^[A-Za-z_$][\w$.-]*\s*:(\s|$)/.test(first) || /^- /.test(first));
}

/** YAML when named .yaml/.yml, or not named .json and reading as YAML from its first line; else JSON. */
export function inventoryFormat(path: string, text: string): 'json' | 'yaml' {
  return isYamlName(path) || (!/\.json$/i.test(path) && looksLikeYaml(text)) ? 'yaml' : 'json';
}

/** An Ansible INI inventory: named .ini, or not named as JSON or YAML and starting as INI does. */
const isAnsibleIni = (path: string, text: string) => /\.ini$/i.test(path) || (!/\.(json|ya?ml)$/i.test(path) && looksLikeAnsibleIni(text));

/** The file is an Ansible inventory (false when it cannot be read: loading it says why). */
export function isAnsibleInventoryFile(path: string): boolean {
  if (!existsSync(path) || statSync(path).isDirectory()) return false;
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  if (isAnsibleIni(path, text)) return true;
  try {
    return inventoryFormat(path, text) === 'yaml' && isAnsibleYaml(parseYamlText(text).value);
  } catch {
    return false;
  }
}

/**
 * Reads the inventory file: every way a file can be wrong before its content is, as one problem.
 * An Ansible inventory (INI, or YAML whose top level is groups) becomes the native document of its
 * group `group` (ansible.ts); `group` with a native inventory is refused.
 */
export function readInventoryDocument(path: string, source: InventorySource, group?: string): JsonDocument {
  const doc = readDocument(path, source, group);
  if (group !== undefined && !doc.ansible) throw new UsageError([{ file: path, field: '--group', value: group, message: 'applies to an Ansible inventory only; this one is hsts-cluster\'s own', hint: 'remove --group' }]);
  return doc.document;
}

function readDocument(path: string, source: InventorySource, group: string | undefined): { document: JsonDocument; ansible: boolean } {
  const refuse = (problem: Problem): never => { throw new UsageError([problem]); };
  if (!existsSync(path)) refuse(notFound(path, source));
  if (statSync(path).isDirectory()) {
    const inside = ['inventory.json', 'inventory.example.json'].map((name) => join(path, name)).find(existsSync);
    refuse({ file: path, message: 'is a directory, not an inventory file', hint: inside ? `did you mean -i ${inside}?` : 'pass the JSON file itself: -i DIR/inventory.json' });
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return refuse({ file: path, message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, hint: 'check its permissions (the user running hsts-cluster must be able to read it)' });
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    refuse({ file: path, message: 'is UTF-16 text', hint: 'save it as UTF-8 (in Notepad: Save as, Encoding: UTF-8)' });
  }
  // A UTF-8 byte order mark, as some Windows editors write: not part of JSON, harmless to drop.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') refuse({ file: path, message: 'is empty', hint: START });
  if (isAnsibleIni(path, text)) return { document: readAnsibleInventory({ ini: text }, path, group), ansible: true };
  try {
    if (inventoryFormat(path, text) === 'json') return { document: parseJsonText(text), ansible: false };
    const yaml = parseYamlText(text);
    return isAnsibleYaml(yaml.value) ? { document: readAnsibleInventory({ yaml }, path, group), ansible: true } : { document: yaml, ansible: false };
  } catch (e) {
    if (e instanceof YamlSyntaxError) {
      return refuse({ file: path, ...e.position, message: `not valid YAML: ${e.message}`, ...(e.hint ? { hint: e.hint } : {}) });
    }
    if (!(e instanceof JsonSyntaxError)) throw e;
    const renamed = looksLikeYaml(text) ? `; if it is YAML, name it ${basename(path).replace(/\.json$/i, '')}.yaml` : '';
    return refuse({ file: path, ...e.position, message: `not valid JSON: ${e.message}`, hint: `${e.hint ?? 'fix the JSON'}${renamed}` });
  }
}
