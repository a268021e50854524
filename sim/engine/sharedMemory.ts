/**
 * Snapshots and PostgreSQL's files in shared memory (SharedArrayBuffer), where the host has it: posted
 * to an engine worker, a shared buffer is shared, not copied (see snapshotFs.ts).
 */

/** A copy of `bytes` in shared memory: posted to a worker, it is shared, not copied. */
export function sharedCopy(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

/** Each snapshot copied into shared memory once (by identity), for every node that boots from it. */
export function sharedSnapshots(): (snapshot: Uint8Array) => Uint8Array {
  const copies = new WeakMap<Uint8Array, Uint8Array>();
  return (snapshot) => {
    let copy = copies.get(snapshot);
    if (!copy) copies.set(snapshot, (copy = sharedCopy(snapshot)));
    return copy;
  };
}
