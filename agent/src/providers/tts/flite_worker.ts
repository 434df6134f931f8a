/// <reference lib="dom" />
// Worker thread: runs the Flite CLI (compiled to WASI) once per request, off the audio event loop.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { WASI } from 'node:wasi';

interface Request {
  id: number;
  text: string;
  voice: string;
}

const module = await WebAssembly.compile(readFileSync(workerData.wasmPath as string));

parentPort!.on('message', async (req: Request) => {
  const dir = mkdtempSync(join(tmpdir(), 'flite-'));
  try {
    const wasi = new WASI({
      version: 'preview1',
      args: ['flite', '-voice', req.voice, '-t', req.text, '-o', '/out/speech.wav'],
      preopens: { '/out': dir },
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(
      module,
      wasi.getImportObject() as WebAssembly.Imports,
    );
    const code = wasi.start(instance);
    if (code !== 0) throw new Error(`flite exited with code ${code}`);
    const wav = readFileSync(join(dir, 'speech.wav'));
    parentPort!.postMessage({ id: req.id, wav }, [wav.buffer]);
  } catch (err) {
    parentPort!.postMessage({
      id: req.id,
      error: err instanceof Error ? err.message : String(err),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
parentPort!.postMessage({ ready: true });
