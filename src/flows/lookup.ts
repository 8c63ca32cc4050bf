/**
 * One factory for the hotline's lookup branches (consignment status, registration status): ask
 * for a number, look it up, say the result, then offer another or the main menu. A refusal (an
 * unknown number) is said and the number asked again.
 */
import { assign } from 'xstate';
import { succeeded } from './flow.js';
import type { Msg, MenuOption, UserEvent } from './reply.js';
import { ask, numberFrom, type MissWhy, type NumberKind } from './question.js';
import { asker } from './hotline-actors.js';
import { digitsExpect, menu } from './hotline-menus.js';
import { AGENT, choice, failure, hotline, type HotlineContext, type Refusal } from './hotline-setup.js';

type Lookup = 'consignment' | 'registration';
type Done = { output: { ok: true; info: unknown } | Refusal };
type Found<L extends Lookup> = NonNullable<HotlineContext[L]>;

export function lookupBranch<L extends Lookup>(spec: {
  /** The branch's state name, and the context field the result is kept in. */
  name: L;
  /** The service that looks the number up. */
  src: `${L}Status`;
  /** The number asked for, and what a wrong one is called. */
  kind: NumberKind & MissWhy;
  ask: Msg[];
  /** What to say when the service refuses. */
  refusal: (r: Refusal) => Msg;
  result: (found: Found<L>) => Msg[];
  next: Msg;
  again: MenuOption[];
}) {
  const { name, kind } = spec;
  return hotline.createStateConfig({
    initial: 'ask',
    states: {
      ask: ask({
        where: `${name}.ask`,
        agent: AGENT,
        why: kind,
        prompt: () => spec.ask,
        expect: digitsExpect(kind, kind, true, 15),
        answers: [{ guard: { type: 'validNumber', params: { kind } }, target: 'looking' }],
      }),
      // Both lookup services take `{ number, asker }` and give `{ ok: true, info }` or a refusal.
      looking: {
        invoke: {
          src: spec.src,
          input: ({ context, event }: { context: HotlineContext; event: UserEvent }) => ({ number: numberFrom(event, kind) ?? '', asker: asker(context) }),
          onDone: [
            {
              guard: succeeded,
              target: 'result',
              actions: assign(({ event }) => {
                const out = (event as unknown as Done).output;
                return { [name]: out.ok ? out.info : null } as Partial<HotlineContext>;
              }),
            },
            {
              target: 'ask',
              actions: assign(({ context, event }) => ({ say: [...(context as HotlineContext).say, spec.refusal((event as unknown as Done).output as Refusal)] })),
            },
          ],
          onError: failure(`${name}.looking`),
        },
      } as never,
      result: ask({
        where: `${name}.result`,
        agent: AGENT,
        why: 'option',
        prompt: (ctx: HotlineContext) => [...(ctx[name] ? spec.result(ctx[name] as Found<L>) : []), spec.next],
        expect: menu(spec.again),
        answers: [
          { guard: choice(spec.again, '1'), target: 'ask' },
          { guard: choice(spec.again, '9'), target: '#hotline.main' },
        ],
      }),
    },
  });
}
