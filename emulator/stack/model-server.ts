/**
 * A stand-in for TF Serving's REST API, run as its own process by the local stack for each pod
 * of the TF Serving sample: `POST /v1/models/<name>:predict` takes `{"instances": [...]}` and
 * answers `{"predictions": [...]}` after `--ms-per-image` per instance (the sample's pace);
 * `GET /v1/models/<name>` answers the model status, as the readiness probe asks. Other models
 * get 404 with TF Serving's error body. SIGTERM: stop listening, finish what is in flight, exit.
 *
 *   node dist/emulator/stack/model-server.js --port N --model resnet101 --ms-per-image 500
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    model: { type: 'string', default: 'resnet101' },
    'ms-per-image': { type: 'string', default: '500' },
  },
  strict: true,
});
const port = Number(values.port);
const msPerImage = Number(values['ms-per-image']);
if (!Number.isInteger(port) || port < 1 || port > 65535 || !Number.isFinite(msPerImage) || msPerImage < 0) {
  process.stderr.write('usage: model-server --port N [--model NAME] [--ms-per-image MS]\n');
  process.exit(2);
}
const model = values.model;
const PREDICT = `/v1/models/${model}:predict`;

const server = createServer({ keepAlive: true }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === `/v1/models/${model}`)
      return json(200, {
        model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK' } }],
      });
    if (req.method !== 'POST' || req.url !== PREDICT)
      return json(404, { error: `Servable not found for request: Latest(${req.url ?? ''})` });
    let instances: unknown[];
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { instances?: unknown };
      if (!Array.isArray(body.instances)) throw new Error('"instances" must be a list');
      instances = body.instances;
    } catch (error) {
      return json(400, { error: `JSON Parse error: ${(error as Error).message}` });
    }
    setTimeout(
      () => json(200, { predictions: instances.map(() => [0.9, 0.1]) }),
      msPerImage * instances.length,
    );
  });
});
server.listen(port, '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
