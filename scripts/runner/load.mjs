// Runs a CommonJS bundle the way Node's own loader would, but with V8's code cache kept beside it:
// the second run of an unchanged bundle skips parsing and compiling (Node 20 has no
// module.enableCompileCache, so this is done by hand with vm.Script's cachedData, on every version).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'];
const pending = [];

/** Evaluates `file` with `require` as its require function; returns its module.exports. */
export function runBundle(file, require) {
  const codeCacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(codeCacheFile);
  } catch {
    /* first run of this bundle */
  }
  const script = new Script(WRAPPER[0] + readFileSync(file, 'utf8') + WRAPPER[1], { filename: file, cachedData });
  if (!cachedData || script.cachedDataRejected) pending.push({ script, codeCacheFile });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports;
}

// Written at exit, so the cache also holds the functions this run compiled lazily (most of them).
process.on('exit', () => {
  for (const { script, codeCacheFile } of pending) {
    try {
      const temp = `${codeCacheFile}.${process.pid}`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, codeCacheFile);
    } catch {
      /* a cache that cannot be written only costs the next run its compile time */
    }
  }
});
