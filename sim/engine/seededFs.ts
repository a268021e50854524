/**
 * PGlite's in-memory file system with its entropy seeded. PostgreSQL seeds its generator from
 * /dev/urandom when it starts (pg_strong_random into pg_global_prng_state), and ANALYZE draws its sample
 * from it once a table has more than 300 × default_statistics_target rows, as does SQL's random().
 * Emscripten's device reads the host's crypto, so two runs of one scenario could gather different
 * statistics, choose different plans and diverge (a 600 s read-replicas run: 1,131,040 against 1,131,041
 * requests completed). Here both devices draw from one fixed seeded stream: every engine's draws are the
 * same on every run, as the rest of the simulation's randomness is.
 */
import { MemoryFS } from '@electric-sql/pglite';
import { Rng } from '../core/rng.ts';

/** The slice of Emscripten's FS this needs. */
interface DeviceFs {
  unlink(path: string): void;
  createDevice(parent: string, name: string, input: () => number): void;
}

export class SeededFs extends MemoryFS {
  /** Before PostgreSQL starts (PGlite calls it once the module exists): the devices are replaced. */
  override async initialSyncFs(): Promise<void> {
    const fs = (this.pg!.Module as unknown as { FS: DeviceFs }).FS;
    const rng = new Rng(0, 'engine entropy');
    const byte = () => rng.int(0, 255);
    for (const name of ['random', 'urandom']) {
      fs.unlink(`/dev/${name}`);
      fs.createDevice('/dev', name, byte);
    }
  }
}
