/** Writes the generated reference: docs/configuration.md and docs/schema/*.schema.json (`npm run docs`). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDocs } from '../engine/config/reference.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [file, text] of Object.entries(generatedDocs())) {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
  process.stdout.write(`wrote ${file}\n`);
}
