// Compiles the `radar` command once into dist/ so a start does not transpile the TypeScript tree
// (through tsx that took 5-9 s per start on a loaded 2-core machine; see docs/cli.md "Start-up").
// Sources stay TypeScript; `npm run check` typechecks them. Run by `npm ci` (the `prepare` script), by
// `npm run build`, by the test setup, and by pipelines/radar.js whenever a source is newer than the build,
// so a stale build never runs old code.
//
// esbuild bundles pipelines/cli/main.ts with code splitting: every `await import()` in a command's
// action becomes its own chunk, loaded only when that command runs. Every output file sits directly in
// dist/, so `import.meta.url` in a source is rewritten to point back at that source file: migrations,
// templates and the default config are read from the source tree, never copied (and never stale).
//
// Plain JavaScript on purpose: it has to run before anything is compiled.
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');
const MANIFEST = join(DIST, 'manifest.json');
const ENTRY = 'pipelines/cli/main.ts';

/**
 * Packages compiled into dist/: pure JavaScript made of many small modules, where one bundled file
 * loads several times faster than Node resolving each module (kysely alone is ~400 files). Everything
 * else is loaded from node_modules as usual, which is always safe (native addons, WASM, Lua scripts
 * and worker files are found where the package expects them), so a new dependency needs no entry here.
 */
const BUNDLED = new Set(['commander', 'zod', 'yaml', 'kysely', 'pino', 'cli-progress', 'papaparse', 'simple-statistics', 'ml-matrix', 'ml-logistic-regression', 'tinyglobby']);

/** Files outside the import graph that change what the build produces. */
const ALWAYS_INPUTS = ['package.json', 'package-lock.json', 'pipelines/build.js'];

const packageOf = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);

/** Bundled CommonJS packages call `require`, which an ES module does not have. */
const BANNER = "import { createRequire as __radarCreateRequire } from 'node:module';\nconst require = __radarCreateRequire(import.meta.url);";

/**
 * Whether dist/ holds a build of the current sources: no input (the project files the bundle was made
 * from, package.json and the lockfile) changed since the build started. A stat per file, ~200 files.
 * A new source file can only matter once an existing one imports it, and that edit makes it stale.
 */
export function isFresh() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return false;
  }
  if (manifest.version !== 1) return false;
  try {
    return manifest.inputs.every((file) => statSync(join(ROOT, file)).mtimeMs <= manifest.startedAt);
  } catch {
    return false; // an input was deleted or renamed
  }
}

/** Rewrites `import.meta.url` in a project source to the URL of that source, relative to dist/. */
const sourceUrlPlugin = {
  name: 'radar-source-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const contents = await readFile(args.path, 'utf8');
      if (!contents.includes('import.meta.url')) return undefined;
      const fromDist = relative(DIST, args.path).split(sep).join('/');
      return { contents: contents.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`), loader: 'default' };
    });
  },
};

/**
 * A bare import in a project file stays an import from node_modules unless its package is in BUNDLED;
 * a bundled package comes with its own dependencies.
 */
const externalPackagesPlugin = {
  name: 'radar-external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      const fromPackage = args.importer.includes(`${sep}node_modules${sep}`);
      if (!fromPackage && !BUNDLED.has(packageOf(args.path))) return { path: args.path, external: true };
      return undefined;
    });
  },
};

async function writeAtomically(file, contents) {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}

/**
 * Builds dist/. Safe to run from several processes at once: chunks are named by their content hash,
 * every file is replaced atomically (write, then rename), and the manifest is written last.
 * Chunks of older builds are removed once they are an hour old, when no running process still
 * loads them.
 */
export async function build() {
  const startedAt = Date.now();
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: { main: ENTRY },
    outdir: DIST,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    banner: { js: BANNER },
    plugins: [externalPackagesPlugin, sourceUrlPlugin],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  await mkdir(DIST, { recursive: true });
  // Chunks first, the entry after them, the manifest last: a reader never sees a reference to a file
  // that is not written yet.
  const outputs = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('main.js')) - Number(b.path.endsWith('main.js')));
  for (const file of outputs) await writeAtomically(file.path, file.contents);
  const inputs = [...new Set([...Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/')), ...ALWAYS_INPUTS])].sort();
  // What went into each output file: test/startup.test.ts reads it to check what a start loads.
  await writeAtomically(join(DIST, 'meta.json'), JSON.stringify(result.metafile));
  await writeAtomically(MANIFEST, `${JSON.stringify({ version: 1, startedAt, entry: 'main.js', inputs }, null, 2)}\n`);
  await pruneOldChunks(new Set(outputs.map((file) => file.path)));
  return { files: outputs.length, inputs: inputs.length, ms: Date.now() - startedAt };
}

async function pruneOldChunks(current) {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of await readdir(DIST)) {
    const file = join(DIST, name);
    if (!name.startsWith('chunk-') || current.has(file)) continue;
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs < hourAgo) await rm(file, { force: true });
  }
}

// `node pipelines/build.js`: build and say what was built.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const summary = await build();
  process.stdout.write(`radar: built ${relative(ROOT, DIST) || '.'}${sep} (${summary.files} files from ${summary.inputs} inputs) in ${summary.ms} ms\n`);
}

