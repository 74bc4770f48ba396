/**
 * Structured logging: one JSON object per line on stdout/stderr, the shape Cloud Logging parses
 * into a LogEntry (`severity`, `message`, and every other field as jsonPayload).
 */
export type Severity = 'DEBUG' | 'INFO' | 'NOTICE' | 'WARNING' | 'ERROR';

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
}

export type LogSink = (line: string, severity: Severity) => void;

const writeToStdio: LogSink = (line, severity) => {
  (severity === 'ERROR' || severity === 'WARNING' ? process.stderr : process.stdout).write(line + '\n');
};

/** A logger that writes JSON lines to a sink (stdio by default). */
export function jsonLogger(sink: LogSink = writeToStdio, base: LogFields = {}): Logger {
  return {
    log(severity, message, fields = {}) {
      sink(JSON.stringify({ severity, message, ...base, ...fields }), severity);
    },
  };
}

/** A logger that keeps entries in memory: for tests and the demo's live view. */
export class MemoryLogger implements Logger {
  readonly entries: Array<{ severity: Severity; message: string } & LogFields> = [];

  log(severity: Severity, message: string, fields: LogFields = {}): void {
    this.entries.push({ severity, message, ...fields });
  }
}

export const silentLogger: Logger = { log: () => undefined };
