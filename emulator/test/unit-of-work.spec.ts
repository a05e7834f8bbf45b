import { Collection } from '../src/store/collection';
import { EmulatorState } from '../src/store/emulator-state';
import { StateMap, StateSet } from '../src/store/state-container';
import { StateStore } from '../src/store/state-store';
import type { StateChange } from '../src/store/unit-of-work';

interface Thing {
  id: string;
  name: string;
  tags: string[];
}

/** A state with the shapes domain code uses, including plain Map/Set fields added later. */
class TestState extends EmulatorState {
  readonly things = new Collection<Thing>();
  readonly plainMap = new Map<string, { count: number; list: string[] }>();
  readonly plainSet = new Set<string>();
}

function setUp(): { store: StateStore; state: TestState; committed: StateChange[][] } {
  const state = new TestState();
  const store = new StateStore(state);
  const committed: StateChange[][] = [];
  store.units.onCommit((changes) => committed.push(changes));
  return { store, state, committed };
}

const boom = (): never => {
  throw new Error('boom');
};

describe('the unit of work over EmulatorState', () => {
  it('undoes in-place changes after get, puts, deletes and iteration when the step throws', () => {
    const { store, state } = setUp();
    store.run(() => {
      state.things.put({ id: 'a', name: 'A', tags: ['x'] });
      state.things.put({ id: 'b', name: 'B', tags: [] });
      state.things.put({ id: 'c', name: 'C', tags: [] });
    });
    expect(() =>
      store.run(() => {
        const a = state.things.get('a')!;
        a.name = 'changed';
        a.tags.push('y');
        for (const thing of state.things.values()) thing.tags.push('iterated');
        state.things.delete('b');
        state.things.put({ id: 'd', name: 'D', tags: [] });
        boom();
      }),
    ).toThrow('boom');
    expect([...state.things.newestFirst()]).toEqual([
      { id: 'c', name: 'C', tags: [] },
      { id: 'b', name: 'B', tags: [] },
      { id: 'a', name: 'A', tags: ['x'] },
    ]);
    expect(state.things.has('d')).toBe(false);
    // The restored object is back at its list position, and pages skip the rolled-back one.
    expect(state.things.page({ limit: 10 }, '/').data.map((thing) => thing.id)).toEqual([
      'c',
      'b',
      'a',
    ]);
  });

  it('covers plain Map and Set fields, values changed in place included', () => {
    const { store, state } = setUp();
    expect(state.plainMap).toBeInstanceOf(StateMap);
    expect(state.plainSet).toBeInstanceOf(StateSet);
    store.run(() => {
      state.plainMap.set('k', { count: 1, list: ['a'] });
      state.plainSet.add('member');
    });
    expect(() =>
      store.run(() => {
        const entry = state.plainMap.get('k')!;
        entry.count += 1;
        entry.list.push('b');
        state.plainMap.set('new', { count: 0, list: [] });
        state.plainSet.delete('member');
        state.plainSet.add('other');
        boom();
      }),
    ).toThrow('boom');
    expect([...state.plainMap.entries()]).toEqual([['k', { count: 1, list: ['a'] }]]);
    expect([...state.plainSet]).toEqual(['member']);
  });

  it('commits only what changed, as after-images, and runs post-commit steps only on success', () => {
    const { store, state, committed } = setUp();
    const sent: string[] = [];
    store.run(() => {
      state.things.put({ id: 'a', name: 'A', tags: [] });
      state.things.put({ id: 'b', name: 'B', tags: [] });
      store.afterCommit(() => sent.push('created'));
    });
    expect(committed.at(-1)!.map((change) => [change.key, change.json])).toEqual([
      ['a', JSON.stringify({ id: 'a', name: 'A', tags: [] })],
      ['b', JSON.stringify({ id: 'b', name: 'B', tags: [] })],
    ]);
    store.run(() => {
      state.things.get('a');
      state.things.get('b')!.name = 'B2';
      state.things.delete('a');
    });
    expect(committed.at(-1)!.map((change) => [change.key, change.json])).toEqual([
      ['a', undefined],
      ['b', JSON.stringify({ id: 'b', name: 'B2', tags: [] })],
    ]);
    const before = committed.length;
    expect(() =>
      store.run(() => {
        state.things.get('b')!.name = 'B3';
        store.afterCommit(() => sent.push('never'));
        boom();
      }),
    ).toThrow();
    expect(committed).toHaveLength(before);
    expect(sent).toEqual(['created']);
  });

  it('keeps the effects of an error that says so (a recorded payment attempt)', () => {
    const { store, state } = setUp();
    expect(() =>
      store.run(
        () => {
          state.things.put({ id: 'attempt', name: 'failed charge', tags: [] });
          boom();
        },
        () => true,
      ),
    ).toThrow();
    expect(state.things.get('attempt')?.name).toBe('failed charge');
  });

  it('undoes a step whose changes could not be persisted', () => {
    const { store, state } = setUp();
    store.units.onCommit(() => {
      throw new Error('disk full');
    });
    expect(() => store.run(() => state.things.put({ id: 'x', name: 'X', tags: [] }))).toThrow(
      'disk full',
    );
    expect(state.things.has('x')).toBe(false);
  });

  it('gathers changes made outside any step into one committed at the end of the microtask', async () => {
    const { state, committed } = setUp();
    state.things.put({ id: 'timer', name: 'from a timer', tags: [] });
    state.plainSet.add('too');
    expect(committed).toHaveLength(0);
    await Promise.resolve();
    expect(committed).toHaveLength(1);
    expect(committed[0].map((change) => change.key)).toEqual(['timer', 'too']);
  });

  it('refuses a state field that is not a container, so nothing escapes persistence', () => {
    class BadState extends EmulatorState {
      readonly counter = 0;
    }
    expect(() => new StateStore(new BadState())).toThrow(/EmulatorState.counter must be/);
  });
});
