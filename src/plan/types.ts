/**
 * The plan: plain, versioned, serializable data. `fix apply PLAN.json` consumes exactly this.
 * Fields marked "display only" explain the plan to people and must not drive apply.
 */
import type { NodeIdentity } from '../transport/transport.js';
import type { SettingSource } from '../settings/types.js';

export const PLAN_FORMAT_VERSION = 1 as const;

export interface Finding {
  control: string;
  /** e.g. "authorization.mode" */
  setting: string;
  flag: string;
  /** Effective value after a restart with the files as they are now (what the verdict is about). */
  value: string | boolean | number | null;
  /** Value the running kubelet has now, when it differs from `value`. Display only. */
  runningValue?: string | boolean | number | null;
  /** Human sentence: where the value comes from and what it overrides. Display only. */
  source: string;
  sourceDetail: SettingSource;
  compliant: boolean;
  /** The requirement in words, e.g. "must not be AlwaysAllow". Display only. */
  requirement: string;
  /** The value the fix writes. */
  fix: string | boolean | number;
}

/** One line-level edit, applied to the file as read at plan time (lines are 1-based). */
export interface LineEdit {
  /** First line replaced (1-based); for a pure insertion, the line before which lines go. */
  line: number;
  /** Exact lines removed (without "\n"; a trailing "\r" is kept). */
  remove: string[];
  /** Lines inserted in their place. */
  insert: string[];
}

export interface FileChange {
  path: string;
  format: 'json' | 'yaml' | 'env' | 'unit';
  /** Why: which settings this edit fixes. Display only. */
  reason: string;
  sha256Before: string;
  sha256After: string;
  /** Full new content; omitted when the file holds secret-looking values (edits rebuild it). */
  contentAfter?: string;
  edits: LineEdit[];
  mode: string;
  owner: string;
  group: string;
  /** Unified diff, secret-looking context lines masked. Display only. */
  diff: string;
  /** A unit file or drop-in changed: systemd must reload before the restart. */
  needsDaemonReload: boolean;
}

export type NodeStatus = 'compliant' | 'changes' | 'error';

export interface NodePlan {
  name: string;
  status: NodeStatus;
  /** Set when status is "error": what failed, naming the file (and line) where one is at fault. */
  error?: string;
  identity?: NodeIdentity;
  kubelet?: {
    pid: number;
    unit: string;
    fragmentPath: string;
    dropInPaths: string[];
    configPath?: string;
    /** Hash of the running command line: apply refuses a plan made against another process state. */
    argvSha256: string;
  };
  findings: Finding[];
  changes: FileChange[];
  /** Why a restart is needed even without file changes (drift between process and files). */
  restartReasons: string[];
  needsDaemonReload: boolean;
  needsRestart: boolean;
  /** Warnings for the reviewer: drift, persistence of the change, deprecations. Display only. */
  notes: string[];
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  tool: { name: 'kubelet-fix'; version: string };
  createdAt: string;
  controls: { id: string; title: string; benchmarks: { benchmark: string; id: string }[] }[];
  nodes: NodePlan[];
  summary: { nodes: number; toChange: number; compliant: number; errors: number };
}
