/** aspera.conf's <server> section, as asconfigurator sets it and the procedure checks it. */
import { isIP } from 'node:net';

export type ServerData = Record<string, string>;

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

const TAG = /<(\/?)([A-Za-z_][\w.-]*)[^>]*?(\/?)>/g;

/**
 * The text inside the first element named `name` that is a child of the root element (<CONF>), or
 * null. IBM's schema has a <server> inside <database> too: only the top-level one counts.
 */
function topLevelElement(xml: string, name: string): string | null {
  const clean = xml.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
  const open: { name: string; contentStart: number }[] = [];
  for (const m of clean.matchAll(TAG)) {
    const [tag, closing, tagName, selfClosing] = m;
    if (selfClosing) {
      if (open.length === 1 && tagName === name) return '';
    } else if (closing) {
      const element = open.pop();
      if (!element || element.name !== tagName) return null;
      if (open.length === 1 && tagName === name) return clean.slice(element.contentStart, m.index);
    } else {
      open.push({ name: tagName!, contentStart: m.index + tag.length });
    }
  }
  return null;
}

/** The child elements of the top-level <server> with their text; {} when there is no such section. */
export function parseServerSection(xml: string): ServerData {
  const section = topLevelElement(xml, 'server');
  if (section === null) return {};
  const data: ServerData = {};
  for (const m of section.matchAll(/<([A-Za-z_][\w.-]*)[^>]*?(?:\/>|>([\s\S]*?)<\/\1\s*>)/g)) {
    data[m[1]!] ??= unescapeXml((m[2] ?? '').trim());
  }
  return data;
}

/** Where asperanoded serves the Node API on the node (curl's view: a loopback address stands for 0.0.0.0). */
export interface NodeApiEndpoint {
  scheme: 'https' | 'http';
  port: number;
  host: string;
}

/** IBM's defaults: HTTPS on 9092 enabled, HTTP on 9091 disabled. */
export const DEFAULT_NODE_API: NodeApiEndpoint = { scheme: 'https', port: 9092, host: '127.0.0.1' };
const DEFAULT_HTTP_PORT = 9091;

const portOf = (value: string | undefined, fallback: number) => (value && /^\d{1,5}$/.test(value) && Number(value) >= 1 && Number(value) <= 65535 ? Number(value) : fallback);
const isTrue = (value: string | undefined, fallback: boolean) => (value === undefined || value === '' ? fallback : value.toLowerCase() === 'true');
const WILDCARD = new Set(['', '0.0.0.0', '*', '::']);
const connectHost = (address: string) => (WILDCARD.has(address) ? '127.0.0.1' : address);
// asperanoded binds the address, so it is an IP; a name (or anything else) is no address to ask.
// A zone (`fe80::1%eth0`) names an interface, not this host's address: passed over too.
const listenableHost = (address: string) => WILDCARD.has(address) || (isIP(address) !== 0 && !address.includes('%'));

/**
 * The Node API's address from aspera.conf's top-level <server> (IBM: `https_port` default 9092,
 * `enable_https` default true, `http_port` default 9091, `enable_http` default false, all overridden
 * by `<listen>`). `<listen>` is read as a comma-separated list of `[ADDRESS:]PORT`, an `s` after the
 * port marking HTTPS (the form IBM's examples show); HTTPS is preferred when both are served; an
 * entry whose address is not an IP literal is passed over (no name is resolved, no host elsewhere asked). null
 * when neither is enabled.
 */
export function nodeApiEndpoint(server: ServerData): NodeApiEndpoint | null {
  const listen = server.listen?.trim();
  if (listen) {
    const entries = listen.split(',').map((e) => /^(?:\[?([^\]]*?)\]?:)?(\d{1,5})(s?)$/.exec(e.trim()))
      .filter((m): m is RegExpExecArray => m !== null && listenableHost(m[1] ?? ''));
    const chosen = entries.find((m) => m[3] === 's') ?? entries[0];
    if (chosen) return { scheme: chosen[3] === 's' ? 'https' : 'http', port: portOf(chosen[2], DEFAULT_NODE_API.port), host: connectHost(chosen[1] ?? '') };
  }
  if (isTrue(server.enable_https, true)) return { ...DEFAULT_NODE_API, port: portOf(server.https_port, DEFAULT_NODE_API.port) };
  if (isTrue(server.enable_http, false)) return { scheme: 'http', port: portOf(server.http_port, DEFAULT_HTTP_PORT), host: '127.0.0.1' };
  return null;
}

/** The Node API's base URL at an endpoint (an IPv6 host in brackets). */
export const nodeApiUrl = (api: NodeApiEndpoint) => `${api.scheme}://${api.host.includes(':') ? `[${api.host}]` : api.host}:${api.port}`;

/** The Node API's /ping URL at an endpoint. */
export const pingUrl = (api: NodeApiEndpoint) => `${nodeApiUrl(api)}/ping`;

/** The Node API's address from aspera.conf's text, IBM's default where it says nothing usable (or there is no text). */
export function nodeApiOf(asperaConf: string | null): NodeApiEndpoint {
  return nodeApiEndpoint(parseServerSection(asperaConf ?? '')) ?? DEFAULT_NODE_API;
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
