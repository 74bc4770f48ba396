/**
 * Names of the environment variables the functions read. Terraform sets exactly these
 * (a test parses the module and compares), so a rename happens here and nowhere else.
 */
export const ENV = {
  targets: 'PRESCALER_TARGETS',
  targetsFile: 'PRESCALER_TARGETS_FILE',
  redisUrl: 'REDIS_URL',
  redisAuth: 'REDIS_AUTH',
  redisCaCert: 'REDIS_CA_CERT',
  redisMode: 'REDIS_MODE',
  redisWaitReplicas: 'REDIS_WAIT_REPLICAS',
  redisWaitTimeoutMs: 'REDIS_WAIT_TIMEOUT_MS',
  keyPrefix: 'PRESCALER_KEY_PREFIX',
  maxImagesPerEvent: 'PRESCALER_MAX_IMAGES_PER_EVENT',
  rejectsTopic: 'PRESCALER_REJECTS_TOPIC',
  reconcileConcurrency: 'PRESCALER_RECONCILE_CONCURRENCY',
  reconcileDeadlineSeconds: 'PRESCALER_RECONCILE_DEADLINE_SECONDS',
} as const;

/** The Functions Framework targets (entry points) exported by functions/index.ts. */
export const FUNCTION_ENTRY_POINTS = { prescale: 'prescale', reconcile: 'reconcile' } as const;
