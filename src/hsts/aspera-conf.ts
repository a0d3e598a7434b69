/** aspera.conf's <server> section, as asconfigurator sets it and the procedure checks it. */

export type ServerData = Record<string, string>;

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The child elements of <server> with their text; {} when there is no <server> section. */
export function parseServerSection(xml: string): ServerData {
  const section = /<server>([\s\S]*?)<\/server>/.exec(xml.replace(/<!--[\s\S]*?-->/g, ''));
  if (!section) return {};
  const data: ServerData = {};
  for (const m of section[1]!.matchAll(/<([A-Za-z_][\w.-]*)\s*(?:\/>|>([\s\S]*?)<\/\1\s*>)/g)) {
    data[m[1]!] = unescapeXml((m[2] ?? '').trim());
  }
  return data;
}

export interface ClusterDbSettings {
  sentinels: { ip: string; port: number }[];
  primarySet: string;
}

/** What the procedure's asconfigurator commands set, in their order. */
export function desiredServerData(db: ClusterDbSettings): ServerData {
  return {
    db_type: 'ha_redis',
    db_host: db.sentinels.map((s) => s.ip).join(','),
    db_port: db.sentinels.map((s) => String(s.port)).join(','),
    db_primaryset: db.primarySet,
  };
}

/** asconfigurator's argument for one key; lists are quoted as in the specification. */
export function setServerDataArg(key: string, value: string): string {
  return value.includes(',') ? `set_server_data;${key},"${value}"` : `set_server_data;${key},${value}`;
}

/** The <server> keys that differ from what we want, in the desired order. */
export function serverDataChanges(current: ServerData, desired: ServerData): string[] {
  return Object.keys(desired).filter((key) => current[key] !== desired[key]);
}

/** <server> as the procedure shows it, for diffs: only the keys we set, in our order. */
export function renderServerSection(data: ServerData, keys: string[]): string {
  const lines = keys.filter((key) => data[key] !== undefined).map((key) => `    <${key}>${data[key]}</${key}>`);
  return ['<server>', ...lines, '</server>', ''].join('\n');
}
