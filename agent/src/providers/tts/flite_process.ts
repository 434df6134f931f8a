/// <reference lib="dom" />
// Child process: runs the Flite CLI (compiled to WASI) once per request, off the agent's event
// loop and outside its address space.
//
// Why a process and a full GC after every run: on Node 20, a few WASI instances that are left
// for the garbage collector corrupt the heap; the third synthesis in a row crashed with SIGSEGV
// (in a worker thread that took the whole agent down). Collecting each instance right after its
// run avoided it in 300 of 300 runs; the process boundary means that if it ever happens again,
// only this child dies and the parent starts another.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { WASI } from 'node:wasi';

interface Request {
  id: number;
  text: string;
  voice: string;
}

const [wasmPath, dir] = process.argv.slice(2);
const send = process.send?.bind(process);
if (!wasmPath || !dir || !send || typeof globalThis.gc !== 'function') {
  console.error('flite_process: start with --expose-gc over an IPC channel: <flite.wasm> <dir>');
  process.exit(2);
}
const collect = globalThis.gc as () => void;

const module = await WebAssembly.compile(readFileSync(wasmPath));
// The parent made this directory and removes it when this process ends.
const out = join(dir, 'speech.wav');
// The parent went away (killed, most likely): nothing is left to answer, nobody to clean up.
process.on('disconnect', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

function synthesize({ text, voice }: Request): Buffer {
  const wasi = new WASI({
    version: 'preview1',
    args: ['flite', '-voice', voice, '-t', text, '-o', '/out/speech.wav'],
    preopens: { '/out': dir },
    returnOnExit: true,
  });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject() as WebAssembly.Imports);
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`flite exited with code ${code}`);
  return readFileSync(out);
}

process.on('message', (req: Request) => {
  try {
    send({ id: req.id, wav: synthesize(req) });
  } catch (err) {
    send({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
  collect();
});
send({ ready: true });
