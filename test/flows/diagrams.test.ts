/**
 * The committed state diagrams (docs/diagrams/, `npm run diagrams`) are what the machines draw now:
 * rendered afresh from the machine definitions, they must equal the files. A change to a flow
 * without `npm run diagrams` fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagramFile, flowMachines, mermaidOf } from '../../scripts/diagram.js';
import { identifyMachine } from '../../src/flows/identify.js';

const dir = join(import.meta.dirname, '..', '..', 'docs', 'diagrams');

describe('flow diagrams', () => {
  const flows = flowMachines();

  it.each(flows.map((d) => [d.name, d] as const))('docs/diagrams/%s.md is the machine as it is now (run `npm run diagrams`)', (name, d) => {
    const committed = readFileSync(join(dir, `${name}.md`), 'utf8');
    expect(committed).toBe(diagramFile(d));
  });

  it('has a file for every flow machine and none for a machine that is gone', () => {
    expect(readdirSync(dir).filter((f) => f.endsWith('.md')).sort()).toEqual(flows.map((d) => `${d.name}.md`).sort());
  });

  it('draws every state and every transition of the machine, from its definition', () => {
    const text = mermaidOf(identifyMachine);
    for (const key of Object.keys(identifyMachine.root.states)) expect(text).toContain(`as identify_${key}\n`);
    expect(text).toContain('identify_start --> identify_refused : [senderMustBeDriver]');
    expect(text).toContain('identify_verifying --> identify_code : done [token_code_wrong]');
    expect(text).toContain('identify_tokenCheck --> identify_blocked : done [locked]');
  });
});
