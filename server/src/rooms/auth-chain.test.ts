import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventId, RoomId } from '../core/ids.js';
import { authChain, authDifference, conflictedSubgraph, stateSetAuthChain, type GetEvent } from './auth-chain.js';
import type { Pdu, RoomEvent } from './pdu.js';

/** A graph given as `id → auth event ids`. */
function graph(edges: Record<string, string[]>): GetEvent {
  const events = new Map<EventId, RoomEvent>();
  for (const [id, auth] of Object.entries(edges)) {
    const pdu = { type: 'x', sender: '@a:x', content: {}, auth_events: auth, prev_events: [] } as unknown as Pdu;
    events.set(id as EventId, { eventId: id as EventId, roomId: '!r' as RoomId, pdu });
  }
  return (id) => events.get(id);
}

const ids = (...names: string[]): Set<EventId> => new Set(names as EventId[]);
const sorted = (set: Set<EventId>): string[] => [...set].sort();

test('the auth chain follows auth_events transitively, without the starting events', () => {
  const get = graph({ A: [], B: ['A'], C: ['B', 'A'], D: ['C'], E: ['A'] });
  assert.deepEqual(sorted(authChain(['D' as EventId], get)), ['A', 'B', 'C']);
  assert.deepEqual(sorted(authChain(['D', 'E'] as EventId[], get)), ['A', 'B', 'C']);
  assert.deepEqual(sorted(authChain(['D', 'C'] as EventId[], get)), ['A', 'B', 'C']);
  assert.deepEqual(sorted(authChain(['A' as EventId], get)), []);
  assert.deepEqual(sorted(stateSetAuthChain(['D', 'E'] as EventId[], get)), ['A', 'B', 'C', 'D', 'E']);
});

test('unknown events are listed but not walked through', () => {
  const get = graph({ B: ['MISSING'], C: ['B'] });
  assert.deepEqual(sorted(authChain(['C' as EventId], get)), ['B', 'MISSING']);
  assert.deepEqual(sorted(authChain(['NOPE' as EventId], get)), []);
});

test('a chain of 100k events does not overflow the stack', () => {
  const edges: Record<string, string[]> = { e0: [] };
  for (let i = 1; i < 100_000; i++) edges[`e${i}`] = [`e${i - 1}`];
  assert.equal(authChain(['e99999' as EventId], graph(edges)).size, 99_999);
});

test('the auth difference is the union minus the intersection', () => {
  assert.deepEqual(sorted(authDifference([ids('A', 'B', 'C'), ids('A', 'B', 'D'), ids('A', 'E')])), ['B', 'C', 'D', 'E']);
  assert.deepEqual(sorted(authDifference([ids('A', 'B'), ids('A', 'B')])), []);
  assert.deepEqual(sorted(authDifference([ids('A')])), []);
  assert.deepEqual(sorted(authDifference([])), []);
});

test('the conflicted subgraph holds the paths between conflicted events', () => {
  // C1 → X → Y → C2 → Z, C1 → W (W reaches no conflicted event), Q → C2 (Q isn't reachable from one).
  const get = graph({ C1: ['X', 'W'], X: ['Y'], Y: ['C2'], C2: ['Z'], Z: [], W: ['Z'], Q: ['C2'] });
  assert.deepEqual(sorted(conflictedSubgraph(['C1', 'C2'] as EventId[], get)), ['C1', 'C2', 'X', 'Y']);
  // With no path between them, only the endpoints.
  assert.deepEqual(sorted(conflictedSubgraph(['W', 'Q'] as EventId[], get)), ['Q', 'W']);
  // A diamond: both branches are on paths.
  const diamond = graph({ T: ['L', 'R'], L: ['B'], R: ['B'], B: ['Root'], Root: [] });
  assert.deepEqual(sorted(conflictedSubgraph(['T', 'B'] as EventId[], diamond)), ['B', 'L', 'R', 'T']);
});
