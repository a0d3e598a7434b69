// parse-prometheus-text-format: a port of the Prometheus Python client's parser, output shaped
// like prom2json's. It ships no types; this is the part the tests read.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';

export interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value: string; labels?: Record<string, string> }[];
}

export function parseExposition(text: string): ParsedFamily[] {
  return (parsePrometheusTextFormat as unknown as (t: string) => ParsedFamily[])(text);
}

/** The value of one sample, found by family and labels (every given label must match); undefined when absent. */
export function sample(families: ParsedFamily[], name: string, labels: Record<string, string>): number | undefined {
  const family = families.find((f) => f.name === name);
  const hit = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return hit === undefined ? undefined : Number(hit.value);
}
