// "Adopt into profile": take a machine's actual value into the profile — a file's content into its
// `src:` file or its `content:`, a package's installed version as a `version:` pin — keeping the YAML's
// comments and order. First a preview (the diffs of the files that would be written), then `apply`
// writes exactly that preview, and refuses if a file changed since.

export interface AdoptRequest {
  file: string;
  machine: string;
  /** The resource's id, as in a drift finding (`resource.id`). */
  resource: string;
}

export interface AdoptFileChange {
  /** Absolute path of the file that would be written (the profile, a parent profile, or a `src:` file). */
  path: string;
  /** Unified diff, old → new. */
  diff: string;
}

export interface AdoptPreview {
  /** Pass to `drift:adopt-apply` to write exactly this. */
  adoptId: string;
  /** One line: "pin package nginx to 1.22.1-9", "take /etc/motd's content (3 lines) into files/motd". */
  summary: string;
  files: AdoptFileChange[];
}

export interface AdoptResult {
  written: string[];
}
