/**
 * Times as the API writes and reads them: second-resolution RFC 3339 text (metav1.Time) and its
 * parsing, both cached, since the controllers stamp and read the same few seconds over and over.
 */
let lastSecond = Number.NaN;
let lastText = '';

/**
 * RFC 3339 with second precision, as metav1.Time serializes; the controllers stamp many objects
 * within one second, so the text of the last second is kept.
 */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace('.000Z', 'Z');
    lastSecond = second;
  }
  return lastText;
}

/**
 * Parsed timestamps by their text: the controllers read the same few second-resolution times of
 * every pod on each pass, and `Date.parse` is the costly part; the cache is emptied when it grows.
 */
const parsedTimes = new Map<string, number | undefined>();
const parsedTimesBound = 4096;

export function parseTime(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const cached = parsedTimes.get(value);
  if (cached !== undefined || parsedTimes.has(value)) return cached;
  const parsed = Date.parse(value);
  const ms = Number.isNaN(parsed) ? undefined : parsed;
  if (parsedTimes.size >= parsedTimesBound) parsedTimes.clear();
  parsedTimes.set(value, ms);
  return ms;
}
