/**
 * Runs a call expected to fail with a KubeApiError and returns that error (any other outcome
 * fails the test), for tests that assert how API failures are classified.
 */
import { KubeApiError } from '../../shared/errors.js';

export async function kubeFailure(call: () => Promise<unknown>): Promise<KubeApiError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof KubeApiError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}
