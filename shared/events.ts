// The one event stream of a run. The CLI renders it as progress or NDJSON (--json); the GUI renders
// the same events over IPC or server-sent events. There is no second progress model.

import type {
  Change,
  DriftFinding,
  ErrorInfo,
  MachineState,
  ResourceRef,
  ResourceStatus,
  RunKind,
  RunSummary,
} from './report.js';

export type MachinePhase =
  | 'image' // pulling or building the image
  | 'provision' // creating/starting the container, connecting over SSH
  | 'probe'
  | 'apply'
  | 'verify'
  | 'stop'
  | 'remove';

export type RunEvent =
  | {
      type: 'run-start';
      runId: string;
      kind: RunKind;
      profile: string;
      profileFile: string;
      machines: string[];
      at: string;
    }
  | {
      type: 'run-end';
      runId: string;
      kind: RunKind;
      profile: string;
      ok: boolean;
      summary: RunSummary;
      durationMs: number;
      error?: ErrorInfo;
    }
  | {
      type: 'machine';
      runId: string;
      machine: string;
      phase: MachinePhase;
      status: 'start' | 'done' | 'failed';
      /** "created", "recreated (image changed)", "kept", "started", ... */
      detail?: string;
      state?: MachineState;
      error?: ErrorInfo;
    }
  | {
      type: 'resource';
      runId: string;
      machine: string;
      resource: ResourceRef;
      status: ResourceStatus;
      changes: Change[];
      error?: ErrorInfo;
      durationMs?: number;
    }
  | {
      type: 'drift';
      runId: string;
      finding: DriftFinding;
    }
  | {
      type: 'log';
      runId: string;
      machine?: string;
      stream: 'stdout' | 'stderr' | 'info' | 'warn';
      /**
       * One or more complete lines, joined with "\n" (no trailing newline). A command's output is sent
       * line by line as it is produced, in batches at most 100 ms apart (a partial last line waits for its
       * newline, or for the command's end).
       */
      text: string;
      /** When the batch's first line was produced (ISO time). */
      at?: string;
    }
  | {
      type: 'progress';
      runId: string;
      machine?: string;
      /** What is in progress, in a person's words: "pulling debian:bookworm", "installing postgresql-15". */
      task: string;
      /** With a machine: resources done so far, of `total` resources of the machine. */
      current?: number;
      total?: number;
      /** The machine's phase at that moment. */
      phase?: MachinePhase;
      /** ISO time the task started (for an elapsed time). */
      at?: string;
      /** A fleet's progress (task "hosts"): how many of the machines done so far failed. */
      failed?: number;
    };


/** Receives the events of a run. Must not throw; must be cheap (it is on the hot path). */
export type EventSink = (event: RunEvent) => void;
