/**
 * State diagrams of the flow machines, drawn from the machine definitions themselves (XState's
 * `machine.root` state nodes and their transitions), as Mermaid `stateDiagram-v2` text.
 * `npm run diagrams` writes them to docs/diagrams/; test/flows/diagrams.test.ts renders them
 * afresh and fails when the committed files differ, so they never drift from the code.
 *
 * Flat: one box per leaf state, named by its path (Mermaid cannot draw a transition between the
 * insides of two composite states). A transition to a compound state goes to the state it starts
 * in. The question wiring every asking state shares (0 an agent, * again, a miss asked again, the
 * third an agent) is said once in the legend, not drawn on every state.
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { Services } from '../src/core/services.js';
import type { FlowDeps } from '../src/flows/flow.js';
import { WAITING } from '../src/flows/flow.js';
import { defineHotlineMachine } from '../src/flows/hotline.js';
import { infoPrompts } from '../src/flows/hotline-prompts.js';
import { identifyMachine } from '../src/flows/identify.js';
import { createReminderMachine } from '../src/flows/reminder.js';

/** Guards and actions of the shared question wiring (src/flows/question.ts): in the legend. */
const WIRING_GUARDS = new Set(['wantsAgent', 'wantsRepeat', 'mayMissAgain']);
const WIRING_ACTIONS = new Set(['giveUp']);

export interface FlowDiagram {
  name: string;
  /** Where the machine is defined. */
  source: string;
  machine: AnyStateMachine;
}

/** Every flow machine. Building one calls no service: the deps are never used to draw. */
export function flowMachines(): FlowDiagram[] {
  const unused = new Proxy({}, { get: () => { throw new Error('a diagram calls no service'); } }) as Services;
  const deps: FlowDeps = { services: unused, clock: { now: () => new Date(0) }, text: () => '' };
  return [
    { name: 'hotline', source: 'src/flows/hotline.ts', machine: defineHotlineMachine(infoPrompts(unused)) },
    { name: 'identify', source: 'src/flows/identify.ts', machine: identifyMachine },
    { name: 'reminder', source: 'src/flows/reminder.ts', machine: createReminderMachine(deps, { isOptedOut: async () => false, hotline: '+85200000000' }) },
  ];
}

const children = (n: AnyStateNode): AnyStateNode[] => Object.values(n.states ?? {}) as AnyStateNode[];
const idOf = (n: AnyStateNode) => n.id.replace(/[^A-Za-z0-9]/g, '_');
const pathOf = (n: AnyStateNode) => n.path.join('.');

/** The leaf a transition to `n` lands in: a compound state starts in its initial state. */
function leafOf(n: AnyStateNode): AnyStateNode {
  let at = n;
  while (children(at).length > 0) {
    const next = at.initial?.target?.[0] as AnyStateNode | undefined;
    if (!next) break;
    at = next;
  }
  return at;
}

function eventLabel(type: string | null): string {
  if (!type) return '';
  if (type === 'user.digits' || type === 'user.text') return 'answer';
  if (type.startsWith('user.')) return type.slice('user.'.length);
  if (type.startsWith('xstate.done.actor.')) return 'done';
  if (type.startsWith('xstate.error.actor.')) return 'error';
  return type;
}

function guardLabel(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const label = (guard as { label?: string }).label;
    return label ?? 'if';
  }
  const g = guard as { type?: string; params?: unknown };
  const p = (typeof g.params === 'object' && g.params !== null ? g.params : {}) as Record<string, unknown>;
  if (g.type === 'chose') return `key ${String(p.key)}`;
  if (g.type === 'choseAny') return 'an option';
  if (g.type === 'validNumber') return `a valid ${String(p.kind)}`;
  return g.type ?? 'if';
}

const actionTypes = (actions: readonly unknown[]): string[] =>
  actions.map((a) => (typeof a === 'string' ? a : typeof a === 'object' && a !== null ? String((a as { type?: unknown }).type ?? '') : '')).filter(Boolean);

function stateLabel(n: AnyStateNode, root: AnyStateNode): string {
  const actors = (root.machine.implementations.actors ?? {}) as Record<string, unknown>;
  let label = pathOf(n) || root.id;
  for (const inv of (n.invoke ?? []) as { src: unknown }[]) {
    const src = typeof inv.src === 'string' ? inv.src : 'a service';
    label += isMachine(actors[src]) ? ` · runs ${src}` : ` · calls ${src}`;
  }
  if (n.tags?.includes(WAITING)) label += ' · asks';
  return label.replace(/"/g, "'");
}

const isMachine = (logic: unknown) => typeof logic === 'object' && logic !== null && 'root' in logic && 'idMap' in logic;

/** The Mermaid text of one machine. */
export function mermaidOf(machine: AnyStateMachine): string {
  const root = machine.root as AnyStateNode;
  const lines: string[] = ['stateDiagram-v2'];
  const edges: string[] = [];
  const seen = new Set<string>();
  const edge = (from: string, to: string, label: string) => {
    const line = `  ${from} --> ${to}${label ? ` : ${label}` : ''}`;
    if (!seen.has(line)) {
      seen.add(line);
      edges.push(line);
    }
  };

  const transitionsOf = (n: AnyStateNode, from: string) => {
    const all: { eventType: string | null; guard?: unknown; target?: readonly AnyStateNode[]; actions: readonly unknown[] }[] = [
      ...((n.always ?? []) as never[]),
      ...[...(n.transitions?.values() ?? [])].flat(),
    ];
    for (const t of all) {
      const guard = guardLabel(t.guard);
      if (guard && WIRING_GUARDS.has(guard)) continue;
      if (actionTypes(t.actions).some((a) => WIRING_ACTIONS.has(a))) continue;
      const label = [eventLabel(t.eventType), guard ? `[${guard}]` : ''].filter(Boolean).join(' ');
      const targets = t.target?.length ? t.target.map((x) => idOf(leafOf(x))) : [from];
      for (const to of targets) edge(from, to, label);
    }
  };

  const walk = (n: AnyStateNode) => {
    const kids = children(n);
    if (kids.length === 0) {
      lines.push(`  state "${stateLabel(n, root)}" as ${idOf(n)}`);
      if (n.type === 'final') edges.push(`  ${idOf(n)} --> [*]`);
      transitionsOf(n, idOf(n));
      return;
    }
    // Transitions a compound state (or the machine) takes from any state inside it.
    if ((n.transitions?.size ?? 0) > 0 || (n.always?.length ?? 0) > 0) {
      const any = `${idOf(n)}__any`;
      lines.push(`  state "any state${n === root ? '' : ` in ${pathOf(n)}`}" as ${any}`);
      transitionsOf(n, any);
    }
    for (const k of kids) walk(k);
  };
  walk(root);
  return [...lines, `  [*] --> ${idOf(leafOf(root))}`, ...edges].join('\n') + '\n';
}

/** The committed file of one machine: a heading, how to read it, the diagram. */
export function diagramFile(d: FlowDiagram): string {
  return [
    `# The \`${d.name}\` flow`,
    '',
    `Drawn by \`npm run diagrams\` from the machine in \`${d.source}\`: do not edit by hand (a test`,
    'renders it afresh and fails when this file differs).',
    '',
    'How to read it: one box per state, named by its path; `asks` marks a state that waits for the',
    'caller, `calls X` one that calls service X, `runs X` one that runs the child machine X (its own',
    'diagram). `answer [key 1]` is the answer choosing option 1, `done` / `error` how a service call',
    'ended, `[guard]` the condition. Not drawn on each asking state, because every one has it: `0`',
    'reaches an agent, `*` says it again, no answer or a wrong one is said and asked again, and the',
    'third miss reaches an agent (src/flows/question.ts).',
    '',
    '```mermaid',
    mermaidOf(d.machine).trimEnd(),
    '```',
    '',
  ].join('\n');
}
