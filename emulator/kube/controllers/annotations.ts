/**
 * Annotations only the emulator reads (they mean nothing to a real cluster): how long a
 * Deployment's pods take to become Ready, and how long a deleted pod stays Terminating.
 */

export const annotations = {
  /** On a Deployment: seconds from a pod's creation to Ready. */
  startupSeconds: 'emulator.prescaler.dev/startup-seconds',
  /** On a Pod or a Deployment: seconds a deleted pod stays Terminating before it disappears. */
  terminationGraceSeconds: 'emulator.prescaler.dev/termination-grace-seconds',
} as const;

export const defaultStartupSeconds = 5;

/** A non-negative number of seconds from an annotation, or undefined. */
export function secondsAnnotation(
  map: Readonly<Record<string, string>> | undefined,
  key: string,
): number | undefined {
  const raw = map?.[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
