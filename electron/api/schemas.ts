// Input validation for every API channel. The renderer is not trusted: a compromised page (or any local
// process that got hold of the browser-mode token) can send anything, so each request is checked
// against its channel's schema before a handler sees it. Paths must be absolute; sizes are bounded.

import { z } from 'zod';
import { RUN_KINDS } from '../../shared/report.js';
import { REGISTRY_REPO_WORDS, registryRepoProblem } from '../../shared/registry-ref.js';
import type { ApiChannel, ApiRequest } from '../../shared/api.js';
import { MIN_EVERY_MS, parseEvery } from '../engine/agent/drift-scheduler.js';

const absPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');
const yamlPath = absPath.refine((p) => /\.ya?ml$/i.test(p), 'must be a .yaml or .yml file');
const id = z.string().min(1).max(200);
const host = z.string().min(1).max(255).regex(/^[A-Za-z0-9._:[\]-]+$/, 'must be a host name or address');
const port = z.number().int().min(1).max(65535);
const dims = { cols: z.number().int().min(1).max(1000), rows: z.number().int().min(1).max(1000) };

/** A drift schedule's interval: "off", or what `prodlike drift --every` takes (30s, 15m, 1h, 1d; at least 5 s). */
const every = z
  .string()
  .max(32)
  .superRefine((v, ctx) => {
    try {
      parseEvery(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not an interval: expected off, or a duration like 15m, 1h or 1d (at least ${MIN_EVERY_MS / 1000}s)` });
    }
  });

/** Requests without arguments accept nothing, null or {} (what a JSON body of an empty POST becomes). */
const none = z
  .union([z.undefined(), z.null(), z.object({}).strict()])
  .transform((): void => undefined);

type Schemas = { [C in ApiChannel]: z.ZodType<ApiRequest<C>, unknown> };

export const requestSchemas: Schemas = {
  'app:info': none,
  'profiles:list': none,
  'profiles:get': z.object({ file: absPath }).strict(),
  'profiles:use-plan': z.object({ file: absPath }).strict(),
  'runs:start': z
    .object({
      kind: z.enum(RUN_KINDS),
      file: absPath,
      baseline: yamlPath.optional(),
      volumes: z.boolean().optional(),
      noRollback: z.boolean().optional(),
      noCache: z.boolean().optional(),
      push: z
        .string()
        .max(500)
        .superRefine((v, ctx) => {
          const problem = registryRepoProblem(v);
          if (problem) ctx.addIssue({ code: 'custom', message: `must be ${REGISTRY_REPO_WORDS} (${problem})` });
        })
        .optional(),
      only: z.array(z.object({ machine: id, resource: z.string().min(1).max(4096) }).strict()).min(1).max(1000).optional(),
      planId: id.optional(),
      forks: z.number().int().min(1).max(1000).optional(),
      allowUnreachable: z.boolean().optional(),
    })
    .strict(),
  'runs:cancel': z.object({ runId: id }).strict(),
  'runs:history': z
    .object({ file: absPath.optional(), limit: z.number().int().min(1).max(10_000).optional() })
    .strict(),
  'runs:get': z.object({ runId: id }).strict(),
  'runs:active': none,
  'status:watch': z.object({ file: absPath, watchId: id.optional() }).strict(),
  'status:unwatch': z.object({ watchId: id }).strict(),
  'drift:adopt-preview': z.object({ file: absPath, machine: id, resource: z.string().min(1).max(4096) }).strict(),
  'drift:adopt-apply': z.object({ adoptId: id }).strict(),
  'machines:logs': z.object({ file: absPath, machine: id, follow: z.boolean(), tail: z.number().int().min(0).max(100_000).optional() }).strict(),
  'machines:logs-stop': z.object({ streamId: id }).strict(),
  'machines:restart': z.object({ file: absPath, machine: id }).strict(),
  'shell:list': none,
  'shell:attach': z.object({ shellId: id }).strict(),
  'drift:last': z.object({ file: absPath }).strict(),
  'baselines:list': none,
  'settings:get': none,
  'settings:set': z
    .object({
      dockerHost: z
        .string()
        .max(1000)
        .regex(/^$|^(unix|tcp|npipe|ssh):\/\//, 'must be empty or start with unix://, tcp://, npipe:// or ssh://')
        .optional(),
      dockerContext: z
        .string()
        .max(200)
        .regex(/^$|^[A-Za-z0-9][A-Za-z0-9_.+-]*$/, 'must be empty or a Docker context name')
        .optional(),
      sshIdentity: z.string().max(4096).optional(),
      profileFolders: z.array(absPath).max(50).optional(),
      cacheMaxGb: z.number().min(0).max(100_000).optional(),
    })
    .strict(),
  'cache:list': none,
  'cache:prune': z
    .object({
      all: z.boolean().optional(),
      olderThanMs: z.number().int().min(0).optional(),
      // A row's Remove: cache keys (hex, as cache ls prints them), one or a few.
      keys: z.array(z.string().regex(/^[0-9a-f]{1,64}$/i, 'must be a cache key')).min(1).max(100).optional(),
    })
    .strict(),
  'docker:engine': none,
  'hostkeys:list': none,
  'hostkeys:trust': z.object({ host, port }).strict(),
  'hostkeys:revoke': z.object({ host, port }).strict(),
  'shell:open': z.object({ file: absPath, machine: id, ...dims }).strict(),
  'shell:input': z.object({ shellId: id, data: z.string().max(1_000_000) }).strict(),
  'shell:resize': z.object({ shellId: id, ...dims }).strict(),
  'shell:close': z.object({ shellId: id }).strict(),
  'doctor:check': none,
  'doctor:fix': z.object({ id: z.string().min(1).max(300) }).strict(),
  'drift:schedules': none,
  'drift:schedule-set': z.object({ file: absPath, every, against: yamlPath.optional() }).strict(),
  'drift:schedule-remove': z.object({ file: absPath, against: yamlPath.optional() }).strict(),
};

/** One line per problem: "file: must be an absolute path". */
export function describeIssues(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : 'request'}: ${i.message}`).join('; ');
}
