/** The lessons' public API: the format, loading, commands, goal checks and the headless session. */
export * from './commands.ts';
export * from './goals.ts';
export { JsonSyntaxError, lineOf, parseLocated } from './json.ts';
export * from './load.ts';
export * from './schema.ts';
export * from './session.ts';
export * from './scene.ts';
