/**
 * What each command prints with --json: one JSON object, by command name. schemas/<command>.schema.json
 * is generated from these types (`npm run schemas`; a unit test fails when a schema is not the one
 * these types give), and the test suite validates every --json output it sees against its schema.
 *
 * Every document carries `schemaVersion`. It goes up when a field is removed, renamed or changes
 * meaning; a field added leaves it as it is (a consumer ignores fields it does not know).
 */
import type { DoctorReport } from '../commands/doctor/procedure.js';
import type { ClusterHealth } from '../commands/status/health.js';
import type { TestResult } from '../commands/verify/cluster-tests.js';
import type { BackupResult } from '../commands/backup/procedure.js';
import type { RestoreResult } from '../commands/backup/restore.js';
import type { MaintenanceResult } from '../commands/maintenance/procedure.js';
import type { RollingResult } from '../commands/rolling/procedure.js';
import type { RotateResult } from '../commands/rotate-password/procedure.js';
import type { RunResult } from '../runner/result.js';
import type { SwitchoverResult } from '../runner/switchover/procedure.js';
import type { Problem } from '../util/problem.js';

export const SCHEMA_VERSION = 1;

interface Versioned {
  /** The version of this document's schema (schemas/<command>.schema.json). */
  schemaVersion: typeof SCHEMA_VERSION;
}

export interface VerifyReport {
  /** The tests asked for, in order, up to the first that failed. */
  tests: TestResult[];
}

export interface InventoryCheck {
  valid: true;
  path: string;
  quorum: number;
  nodes: {
    name: string;
    role: string;
    privateIp: string;
    ssh: { host: string; port: number; user: string; jumpHost?: string };
  }[];
}

export interface InventoryConversion {
  converted: true;
  from: string;
  format: 'json' | 'yaml';
  /** null: the inventory is in `inventory` (printed instead of written). */
  output: string | null;
  nodes: number;
  /** The native inventory, when no --output was given. */
  inventory?: unknown;
}

/** The archive a restore loaded, as its manifest names it. */
export interface ArchiveSummary {
  sha256: string;
  primarySet: string;
  /** The private IPs of the nodes it was taken from. */
  nodes: string[];
  createdAt: string;
  format: string;
}

export interface RestoreReport extends RestoreResult {
  archive: ArchiveSummary;
}

/** What a command prints with --json when it did not run (bad input, exit 2; or a refusal before any work). */
export interface ErrorReport {
  exitCode: number;
  errors: Problem[];
}

export type UpJson = Versioned & RunResult;
export type PlanJson = Versioned & RunResult;
export type AddTransferUserJson = Versioned & RunResult;
export type RollbackJson = Versioned & RunResult;
export type StatusJson = Versioned & ClusterHealth;
export type VerifyJson = Versioned & VerifyReport;
export type DoctorJson = Versioned & DoctorReport;
export type SwitchoverJson = Versioned & SwitchoverResult;
export type MaintenanceJson = Versioned & MaintenanceResult;
export type RestartJson = Versioned & RollingResult;
export type UpgradeJson = Versioned & RollingResult;
export type RotatePasswordJson = Versioned & RotateResult;
export type BackupJson = Versioned & BackupResult;
export type RestoreJson = Versioned & RestoreReport;
export type InventoryJson = Versioned & (InventoryCheck | InventoryConversion);
export type ErrorJson = Versioned & ErrorReport;

/** The commands with --json, each with its document's type name above (the schema generator reads it). */
export const JSON_DOCUMENTS = {
  'up': 'UpJson',
  'plan': 'PlanJson',
  'add-transfer-user': 'AddTransferUserJson',
  'rollback': 'RollbackJson',
  'status': 'StatusJson',
  'verify': 'VerifyJson',
  'doctor': 'DoctorJson',
  'switchover': 'SwitchoverJson',
  'maintenance': 'MaintenanceJson',
  'restart': 'RestartJson',
  'upgrade': 'UpgradeJson',
  'rotate-password': 'RotatePasswordJson',
  'backup': 'BackupJson',
  'restore': 'RestoreJson',
  'inventory': 'InventoryJson',
  'error': 'ErrorJson',
} as const;

export type JsonDocumentName = keyof typeof JSON_DOCUMENTS;

/** The document --json prints: the command's result, its schema's version first. */
export function versioned(json: unknown): unknown {
  return json !== null && typeof json === 'object' && !Array.isArray(json) ? { schemaVersion: SCHEMA_VERSION, ...json } : json;
}
