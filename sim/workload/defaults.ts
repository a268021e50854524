/** The default data set (users with a region, their orders) and the default operation mix on it. */
import type { OperationSpec, WorkloadSpec } from './schema.ts';

export const REGIONS = ['us', 'eu', 'apac'] as const;

/** Deterministic: no random(); values spread by hashint4. */
/** Rows per INSERT of the default data set: a big load is many statements, so its progress can be shown. */
export const LOAD_CHUNK_ROWS = 100_000;

/** `make(lo, hi)` for consecutive ranges of at most LOAD_CHUNK_ROWS covering 1..total (one, empty, when total is 0). */
function chunked(total: number, make: (lo: number, hi: number) => string): string {
  const out: string[] = [];
  for (let lo = 1; lo <= Math.max(1, total); lo += LOAD_CHUNK_ROWS) out.push(make(lo, Math.min(total, lo + LOAD_CHUNK_ROWS - 1)));
  return out.join('\n');
}

export function defaultSetupSql(data: WorkloadSpec['data']): string {
  const n = data.users;
  return `
CREATE TABLE users (
  id bigint PRIMARY KEY,
  email text NOT NULL UNIQUE,
  name text NOT NULL,
  region text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES users (id),
  amount numeric(10,2) NOT NULL,
  status text NOT NULL DEFAULT 'new',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_id_created_at_idx ON orders (user_id, created_at);
${chunked(
  n,
  (lo, hi) => `INSERT INTO users (id, email, name, region, created_at)
  SELECT i, 'user' || i || '@example.com', 'User ' || i, (ARRAY['us','eu','apac'])[1 + i % 3],
         timestamptz '2026-01-01 00:00:00+00' - i * interval '1 minute'
  FROM generate_series(${lo}, ${hi}) AS i;`,
)}
${chunked(
  n * data.orders_per_user,
  (lo, hi) => `INSERT INTO orders (user_id, amount, status, created_at)
  SELECT 1 + i % ${Math.max(1, n)}, 1 + ((hashint4(i) & 65535) % 50000) / 100.0,
         (ARRAY['new','paid','shipped'])[1 + ((hashint4(i * 7) & 255) % 3)],
         timestamptz '2026-01-01 00:00:00+00' - i * interval '10 seconds'
  FROM generate_series(${lo}, ${hi}) AS i
  WHERE ${n} > 0;`,
)}
`;
}

export function defaultOperations(data: WorkloadSpec['data']): OperationSpec[] {
  const users = Math.max(1, data.users);
  return [
    {
      name: 'get_user',
      weight: 60,
      sql: 'SELECT id, email, name, region FROM users WHERE id = $1',
      params: [{ dist: 'zipf', min: 1, max: users, s: 1 }],
    },
    {
      name: 'list_orders',
      weight: 25,
      sql: 'SELECT id, amount, status, created_at FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 10',
      params: [{ dist: 'zipf', min: 1, max: users, s: 1 }],
    },
    {
      name: 'place_order',
      weight: 10,
      sql: [
        'INSERT INTO orders (user_id, amount) VALUES ($1, $2)',
        "UPDATE users SET name = name WHERE id = $1",
      ],
      params: [
        { dist: 'uniform', min: 1, max: users, integer: true },
        { dist: 'uniform', min: 1, max: 500, integer: false },
      ],
    },
    {
      name: 'rename_user',
      weight: 5,
      sql: 'UPDATE users SET name = $2 WHERE id = $1',
      params: [
        { dist: 'uniform', min: 1, max: users, integer: true },
        { dist: 'list', values: ['Ada', 'Grace', 'Edsger', 'Barbara', 'Donald'] },
      ],
    },
  ];
}
