import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldOf, formFromMap, mapFromForm } from '../../renderer/sharding/shardMapForm.ts';
import { createAppStore } from '../../renderer/store/appStore.ts';
import { docFromFile } from '../../renderer/store/doc.ts';

const example = (file: string) => JSON.parse(readFileSync(`lessons/scenarios/${file}`, 'utf8'));

describe('the shard map form', () => {
  it('reads a map back as it was (range, geography)', () => {
    for (const file of ['sharding-range.json', 'sharding-geo.json']) {
      const map = example(file).sharding;
      const r = mapFromForm(formFromMap(map, []));
      expect(r).toEqual({ ok: true, map });
    }
  });

  it('range bounds are numbers for an integer key and strings for text; a switch to a hash drops them', () => {
    const form = formFromMap(undefined, ['shard1', 'shard2']);
    expect(form.shards).toBe('shard1, shard2');
    const ints = mapFromForm({ ...form, strategy: 'range', boundaries: '501' });
    expect(ints.ok && ints.map.strategy).toEqual({ kind: 'range', boundaries: [501] });
    const text = mapFromForm({ ...form, strategy: 'range', keyType: 'text', boundaries: "'N'" });
    expect(text.ok && text.map.strategy).toEqual({ kind: 'range', boundaries: ['N'] });
    const hash = mapFromForm({ ...form, strategy: 'hash_partition', boundaries: '501' });
    expect(hash.ok && hash.map.strategy).toEqual({ kind: 'hash_partition' });
  });

  it('refuses what the text cannot say, per field', () => {
    const form = formFromMap(undefined, ['shard1']);
    const r = mapFromForm({ ...form, tables: 'users, orders.user_id', strategy: 'geography', regions: 'eu shard1, us = shard1, us = shard2' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.field)).toEqual(['tables', 'regions', 'regions']);
    expect(r.errors[0].message).toContain('table.column');
    expect(r.errors[2].message).toBe('region us is mapped twice');
  });

  it('keeps a virtual shards’ placement while their count is unchanged', () => {
    const previous = { strategy: { kind: 'virtual_shards', shard_count: 4, placement: ['a', 'b', 'b', 'a'] } };
    const form = { ...formFromMap(previous, []), shards: 'a, b' };
    const same = mapFromForm(form, previous);
    expect(same.ok && same.map.strategy).toEqual(previous.strategy);
    const more = mapFromForm({ ...form, shardCount: '8' }, previous);
    expect(more.ok && more.map.strategy).toEqual({ kind: 'virtual_shards', shard_count: 8 });
    // a shard the placement names leaves the list: its virtual shards go to those that stay, the others stay put
    const three = { strategy: { kind: 'virtual_shards', shard_count: 6, placement: ['a', 'b', 'c', 'a', 'b', 'c'] } };
    const fewer = mapFromForm({ ...formFromMap(three, []), shards: 'a, b' }, three);
    expect(fewer.ok && fewer.map.strategy).toEqual({ kind: 'virtual_shards', shard_count: 6, placement: ['a', 'b', 'a', 'a', 'b', 'b'] });
  });

  it('keeps what the form has no field for: a two-phase-commit map stays one after an edit', () => {
    const previous = { tables: ['users.id'], key_type: 'bigint', shards: ['a', 'b'], strategy: { kind: 'modulo' }, transaction_mode: 'TWOPC' };
    const edited = mapFromForm({ ...formFromMap(previous, []), shards: 'a, b, c' }, previous);
    expect(edited.ok && edited.map.transaction_mode).toBe('TWOPC');
    expect(edited.ok && edited.map.shards).toEqual(['a', 'b', 'c']);
  });

  it('puts the schema’s issues beside their fields', () => {
    expect(fieldOf('sharding.strategy.boundaries[0]')).toBe('boundaries');
    expect(fieldOf('sharding.shards[1]')).toBe('shards');
    expect(fieldOf('sharding.spare_shards[0]')).toBe('spareShards');
    expect(fieldOf('edges[2]')).toBeUndefined();
  });
});

describe('setSharding in the store', () => {
  const store = () => {
    const s = createAppStore(() => {
      throw new Error('no sim in this test');
    });
    s.getState().replaceDoc(docFromFile(example('sharding-range.json')));
    return s;
  };

  it('a valid map is saved in the document as one undo step', () => {
    const s = store();
    const form = formFromMap(s.getState().doc.sharding, []);
    const r = mapFromForm({ ...form, strategy: 'hash_partition' });
    expect(r.ok && s.getState().setSharding(r.map)).toEqual([]);
    expect((s.getState().doc.sharding as { strategy: unknown }).strategy).toEqual({ kind: 'hash_partition' });
    s.getState().undo();
    expect((s.getState().doc.sharding as { strategy: { kind: string } }).strategy.kind).toBe('range');
  });

  it('a map the schema refuses changes nothing and says why', () => {
    const s = store();
    const before = s.getState().doc;
    const form = formFromMap(before.sharding, []);
    const r = mapFromForm({ ...form, shards: 'shard1, shard2, shard9', boundaries: '600, 501' });
    const issues = r.ok ? s.getState().setSharding(r.map) : [];
    expect(issues.map((i) => [fieldOf(i.path), i.message])).toEqual(
      expect.arrayContaining([
        ['shards', 'no node shard9'],
        ['boundaries', "boundaries must be strictly ascending in the key type's order (text: the C collation)"],
      ]),
    );
    expect(s.getState().doc).toBe(before);
  });
});
