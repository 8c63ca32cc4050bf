/** `npm run diagrams`: writes docs/diagrams/<flow>.md from the flow machines (scripts/diagram.ts). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagramFile, flowMachines } from './diagram.js';

const dir = join(import.meta.dirname, '..', 'docs', 'diagrams');
mkdirSync(dir, { recursive: true });
for (const d of flowMachines()) {
  const file = join(dir, `${d.name}.md`);
  writeFileSync(file, diagramFile(d));
  console.log(`wrote ${file}`);
}
