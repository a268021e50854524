/**
 * Runs `f` in a later macrotask (setImmediate in Node, a zero timeout in a browser worker): after the sim has
 * sent all it can before it must wait for a reply. The engine side's (a queue's round, a watchdog's look),
 * never a model's: virtual time does not read it.
 */
export const nextTask: (f: () => void) => void = typeof setImmediate === 'function' ? setImmediate : (f) => setTimeout(f, 0);
