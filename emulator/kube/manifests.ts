/**
 * Kubernetes YAML manifests as the emulator loads them: multi-document files (and `kind: List`),
 * a file or a directory of `.yaml`/`.yml`/`.json` files. Deployments are decoded and validated
 * with the API server's rules; Namespaces are created; other kinds (Services, ConfigMaps...) are
 * reported as skipped, since the emulator does not serve them.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Deployment } from './apis/objects.js';
import { isObject, type Json } from './registry/patch.js';
import { ApiError } from './apiserver/errors.js';
import { decodeDeployment, validateDeployment } from './registry/validation.js';

export interface Manifests {
  readonly deployments: Deployment[];
  readonly namespaces: string[];
  /** `Kind/name` of documents the emulator does not serve. */
  readonly skipped: string[];
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

function collect(doc: Json, where: string, out: Manifests): void {
  if (doc === null) return;
  if (!isObject(doc)) throw new ManifestError(`${where}: a manifest must be a mapping, found ${typeof doc}`);
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '';
  if (kind === 'List' && Array.isArray(doc.items)) {
    doc.items.forEach((item, i) => collect(item, `${where} items[${i}]`, out));
    return;
  }
  if (kind === 'Namespace' && doc.apiVersion === 'v1') {
    if (name === '') throw new ManifestError(`${where}: Namespace without metadata.name`);
    out.namespaces.push(name);
    return;
  }
  if (kind !== 'Deployment' || doc.apiVersion !== 'apps/v1') {
    out.skipped.push(`${kind || '(no kind)'}/${name}`);
    return;
  }
  try {
    const deployment = decodeDeployment({ ...doc, metadata: { namespace: 'default', ...meta } });
    const errors = validateDeployment(deployment);
    if (errors.length > 0) {
      throw new ManifestError(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    }
    out.deployments.push(deployment);
  } catch (error) {
    const message =
      error instanceof ApiError || error instanceof ManifestError ? error.message : String(error);
    throw new ManifestError(`${where}: Deployment "${name}": ${message}`);
  }
}

/** Parses the text of one manifest file (`source` names it in errors). */
export function parseManifests(text: string, source = 'manifest'): Manifests {
  const out: Manifests = { deployments: [], namespaces: [], skipped: [] };
  parseAllDocuments(text).forEach((doc, i) => {
    const where = `${source} (document ${i + 1})`;
    if (doc.errors.length > 0)
      throw new ManifestError(`${where}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
    collect(doc.toJS() as Json, where, out);
  });
  return out;
}

const manifestFile = /\.(ya?ml|json)$/i;

/** The manifest files of a path: the file itself, or a directory's files (recursively), sorted. */
export async function manifestFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await manifestFiles(full)));
    else if (manifestFile.test(entry.name)) out.push(full);
  }
  return out;
}

/** Reads and parses every manifest under `path`. */
export async function readManifests(path: string): Promise<Manifests> {
  const out: Manifests = { deployments: [], namespaces: [], skipped: [] };
  for (const file of await manifestFiles(path)) {
    const parsed = parseManifests(await readFile(file, 'utf8'), file);
    out.deployments.push(...parsed.deployments);
    out.namespaces.push(...parsed.namespaces);
    out.skipped.push(...parsed.skipped);
  }
  return out;
}
