/** Replies of Redis and Sentinel, as redis-cli (asredis) prints them. */

export interface ReplicaLink { ip: string; port: number; state: string; offset: number; lag: number }

export interface ReplicationInfo {
  role: 'master' | 'slave';
  masterHost?: string;
  masterPort?: number;
  linkUp?: boolean;
  offset: number;
  /** master_replid: the replication history the offset counts in. */
  replid?: string;
  replicas: ReplicaLink[];
}

/** A number Redis printed, 0 when it printed none or something else (NaN would be null in --json). */
const finite = (value: string | undefined) => { const n = Number(value ?? 0); return Number.isFinite(n) ? n : 0; };

export function parseInfoFields(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** INFO replication; null when the text is not such a reply (an error, say). */
export function parseReplication(text: string): ReplicationInfo | null {
  const f = parseInfoFields(text);
  if (f.role !== 'master' && f.role !== 'slave') return null;
  const replicas: ReplicaLink[] = [];
  for (const [key, value] of Object.entries(f)) {
    if (!/^slave\d+$/.test(key)) continue;
    const parts = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    replicas.push({
      ip: parts.ip ?? '',
      port: finite(parts.port),
      state: parts.state ?? '',
      offset: finite(parts.offset),
      lag: finite(parts.lag),
    });
  }
  const info: ReplicationInfo = {
    role: f.role,
    offset: finite(f.master_repl_offset),
    replicas,
  };
  if (f.master_replid) info.replid = f.master_replid;
  if (f.role === 'slave') {
    info.masterHost = f.master_host;
    info.masterPort = finite(f.master_port);
    info.linkUp = f.master_link_status === 'up';
    info.offset = finite(f.slave_repl_offset ?? f.master_repl_offset);
  }
  return info;
}

/** SENTINEL get-master-addr-by-name, as redis-cli prints it: "IP\nPORT"; null for nil or an error. */
export function parsePrimaryAddr(text: string): { ip: string; port: number } | null {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  if (lines.length !== 2 || !/^\d+$/.test(lines[1]!)) return null;
  return { ip: lines[0]!, port: Number(lines[1]) };
}

/** `SENTINEL REPLICAS NAME` as redis-cli prints it off a terminal (one field or value per line), one record per replica. */
export function parseSentinelReplicas(text: string): Record<string, string>[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const records: Record<string, string>[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    if (lines[i] === 'name') records.push({});
    const record = records[records.length - 1];
    if (record) record[lines[i]!] = lines[i + 1]!;
  }
  return records;
}
