/**
 * The Node flags the agent runs with, wherever it is started: the image's entrypoint
 * (agent/Dockerfile), the `prescaler-agent` bin (the shebang of agent/main.ts), the local stack
 * and the tests; test/unit/agent/image.test.ts holds the first two to this list.
 *
 * `--max-semi-space-size=1` (MB): V8 lets the young generation grow to 16 MB semi-spaces under
 * load, which a sidecar proxying megabyte bodies fills with buffers already sent. Small
 * semi-spaces collect them sooner: the agent's peak over the benchmark (32 calls of 1 MiB at a
 * time, HTTP/1.1 and gRPC) went from 168 MB to 132 MB, at no measurable cost in CPU per request.
 */
export const AGENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=1'];
