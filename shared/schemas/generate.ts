/** Writes shared/schemas/event.schema.json from the event schema in shared/event.ts. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { eventJsonSchema } from '../event.js';

const file = fileURLToPath(new URL('./event.schema.json', import.meta.url));
writeFileSync(file, JSON.stringify(eventJsonSchema(), null, 2) + '\n');
console.log(`wrote ${file}`);
