// Prisma's own schema engine (the Wasm build, through the pg driver adapter), offline: for each schema
// file given, one JSON line on stdout: {"file", "ok": true, "sql"} with the SQL of
// `prisma migrate diff --from-empty --to-schema <file> --script`, or {"file", "ok": false, "error"}.
// DATABASE_URL: a live PostgreSQL the engine connects to (it writes nothing). Pinned versions:
// package-lock.json. Adapted from ../../../shared/prisma-oracle/diff.mjs: `url`, `directUrl` and
// `shadowDatabaseUrl` lines of the datasource are blanked (Prisma 7 refuses them; line numbers kept).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';

const require = createRequire(import.meta.url);
const wasmPath = path.join(path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), { './schema_engine_bg.js': bg });
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start?.();
const { SchemaEngine } = bg;

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('usage: DATABASE_URL=postgresql://... node oracle.mjs <schema.prisma>...');
  process.exit(2);
}

function stripDatasourceUrls(src) {
  let inDs = false;
  return src.split('\n').map((line) => {
    if (/^\s*datasource\s+\w+\s*\{/.test(line)) inDs = true;
    else if (inDs && /^\s*\}/.test(line)) inDs = false;
    else if (inDs && /^\s*(url|directUrl|shadowDatabaseUrl)\s*=/.test(line)) return '';
    return line;
  }).join('\n');
}

const factory = new PrismaPg({ connectionString: url });
for (const file of process.argv.slice(2)) {
  const content = stripDatasourceUrls(fs.readFileSync(file, 'utf8'));
  const name = 'schema.prisma';
  let engine;
  try {
    engine = await SchemaEngine.new({ datamodels: [[name, content]] }, () => {}, bindMigrationAwareSqlAdapterFactory(factory));
    const res = await engine.diff({
      from: { tag: 'empty' },
      to: { tag: 'schemaDatamodel', files: [{ path: name, content }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    console.log(JSON.stringify({ file, ok: true, sql: res.stdout ?? '' }));
  } catch (e) {
    console.log(JSON.stringify({ file, ok: false, error: String(e?.message ?? e) }));
  } finally {
    engine?.free?.();
  }
}
// The driver adapter's pool would keep the process alive for its idle timeout.
process.exit(0);
