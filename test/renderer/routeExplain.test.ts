import { describe, expect, it } from 'vitest';
import type { RouteExplain } from '../../sim/index.ts';
import { routeExplainLines } from '../../renderer/sharding/routeExplain.ts';

const text = (e: RouteExplain) => routeExplainLines(e).map((l) => `${' '.repeat(l.depth * 2)}${l.label}: ${l.text}`);

describe('route explain, EXPLAIN style', () => {
  it('one shard: the key, where it was found, its rule and shard, and why', () => {
    const e: RouteExplain = {
      route: 'one',
      shards: ['shard2'],
      reason: 'matched the sharding key ($1 = 1001)',
      keys: [{ statement: 0, source: '$1', table: 'users', column: 'id', key: '1001', shard: 'shard2', why: '1001 is in FOR VALUES FROM (501) TO (MAXVALUE)' }],
    };
    expect(text(e)).toEqual([
      'Single shard: shard2',
      '  Key: users.id = 1001 (parameter $1, statement 1)',
      '    Rule: 1001 is in FOR VALUES FROM (501) TO (MAXVALUE)',
      '    Shard: shard2',
      '  Why: matched the sharding key ($1 = 1001)',
    ]);
  });

  it('a scatter says how it merges; a refusal says the error', () => {
    expect(text({ route: 'scatter', shards: ['a', 'b'], reason: 'statement 1 has no sharding key: every shard', keys: [], merge: 'aggregates' })).toEqual([
      'Scatter-gather: a, b (2 shards)',
      '  Merge: aggregates combined (avg from sum and count)',
      '  Why: statement 1 has no sharding key: every shard',
    ]);
    const refused = text({
      route: 'error',
      shards: ['a', 'b'],
      reason: 'a transaction runs on one shard',
      keys: [],
      error: { code: 'cross_shard_transaction', severity: 'ERROR', message: 'transaction touches more than one shard: a and b', detail: 'The request has keys on several shards.' },
    });
    // a two-shard write under transaction_mode TWOPC is a commit on both, not a scatter-gather read
    expect(text({ route: 'twopc', shards: ['a', 'b'], reason: 'keys on two shards', keys: [] })[0]).toBe('Two-phase commit: a, b (each its part, then PREPARE TRANSACTION and COMMIT PREPARED on each)');
    expect(refused.slice(0, 2)).toEqual(['Refused: ERROR: transaction touches more than one shard: a and b', '  Detail: The request has keys on several shards.']);
  });
});
