/**
 * The admission step of the request pipeline (staging/src/k8s.io/apiserver/pkg/admission): every
 * write (create, update, patch, delete, the scale subresource) is shown to each admission plugin,
 * in order, after the registry has computed the object it would store and before it is stored. A
 * plugin rejects by throwing an ApiError (Forbidden or Invalid); the object is then not written.
 * Writes made from code (manifests, `KubeEmulator.scale`) are not requests and are not admitted.
 */

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

/** What a plugin sees of a write, like admission.Attributes. */
export interface AdmissionAttributes {
  readonly operation: AdmissionOperation;
  /** The authenticated user name. */
  readonly user: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  /** '' or 'scale'. */
  readonly subresource: string;
  /** '' for cluster-scoped resources. */
  readonly namespace: string;
  readonly name: string;
  /** The object as it would be stored (a Scale for the scale subresource); undefined on DELETE. */
  readonly object: unknown;
  /** The object before the write; undefined on CREATE. */
  readonly oldObject: unknown;
}

/** A validating admission plugin, like admission.ValidationInterface. */
export interface AdmissionPlugin {
  readonly name: string;
  /** Throws an ApiError to reject the write. */
  validate(attributes: AdmissionAttributes): void;
}

/** The ordered list of admission plugins a server runs. */
export class Admission {
  private readonly plugins: AdmissionPlugin[];

  constructor(plugins: readonly AdmissionPlugin[] = []) {
    this.plugins = [...plugins];
  }

  add(plugin: AdmissionPlugin): void {
    this.plugins.push(plugin);
  }

  validate(attributes: AdmissionAttributes): void {
    for (const plugin of this.plugins) plugin.validate(attributes);
  }
}
