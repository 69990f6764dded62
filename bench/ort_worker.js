// ort_worker.js: a persistent ONNX Runtime (CPU) worker that bench/run_bench.py drives over
// stdin/stdout, so ORT can be timed alternately with Kiln and PyTorch in one benchmark run.
//
// Protocol: one JSON object per line in, one JSON object per line out, in order. Every reply has
// "ok" (true/false); a failed request gets {"ok": false, "error": "..."} and the worker carries on.
//   {"cmd": "version"}
//       -> {"ok", "onnxruntime", "node"}
//   {"cmd": "load", "id": "S", "model": "PATH.onnx", "threads": N}
//       -> {"ok", "inputs": [names], "outputs": [names], "load_ms"}
//       Session options: graph optimization "all", intra-op threads N, inter-op threads 1,
//       sequential execution, idle pool threads sleep instead of spinning (they would otherwise
//       steal the cores from the engine timed next).
//       An optional "optimization": "disabled" | "basic" | "extended" | "all" sets the graph
//       optimization level instead ("disabled" runs the graph as written: no QDQ fusion).
//   {"cmd": "input", "id": "S", "shape": [dims], "file": "PATH"}  (raw little-endian float32)
//   {"cmd": "input", "id": "S", "shape": [dims], "base64": "..."}  (the same bytes, base64)
//       -> {"ok", "elements"}; sets the first (only) input of session S
//   {"cmd": "input", "id": "S", "name": "X", "shape": [dims], "file": "PATH"}
//       -> {"ok", "elements"}; sets input X (float32) and keeps the inputs set before by name, so
//       a model with several inputs gets one such request per input
//   {"cmd": "run", "id": "S", "runs": N, "output_file": "PATH"}  (output_file optional)
//       -> {"ok", "ms": [per-run milliseconds], "output_shape"}; each run is timed around
//       `await session.run(feeds)`; the first output of the last run is written as raw float32
//   {"cmd": "run", "id": "S", "runs": 1, "outputs_dir": "DIR"}
//       -> also {"outputs": [{"name", "type", "dims", "file"}]}: every output of the last run,
//       in the session's output order, written to DIR/<index>.bin as its raw little-endian
//       elements ("float32", "int64", "uint8", "bool" (one byte each), ...)
//   {"cmd": "close", "id": "S"} -> {"ok"}
//   {"cmd": "quit"} -> {"ok"}, then the worker exits (it also exits at end of input)
//
// Usage: node bench/ort_worker.js   (onnxruntime-node must be resolvable: run_bench.py sets
// NODE_PATH to the project-local node_modules that scripts/install-deps.sh fills)
'use strict';

const fs = require('fs');
const readline = require('readline');

let ort = null;
let loadError = null;
try {
  ort = require('onnxruntime-node');
} catch (error) {
  loadError = error;
}

const sessions = new Map(); // id -> {session, inputName, outputName, feeds}
let quitting = false;

function sessionOf(request) {
  const entry = sessions.get(request.id);
  if (!entry) throw new Error(`no session '${request.id}' (load it first)`);
  return entry;
}

function float32FromBytes(bytes) {
  if (bytes.byteLength % 4 !== 0) throw new Error(`${bytes.byteLength} bytes is not float32 data`);
  // Copy into a fresh, aligned buffer: a Buffer's offset in its pool need not be 4-aligned.
  const data = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(data.buffer).set(bytes);
  return data;
}

const handlers = {
  async version() {
    return {onnxruntime: require('onnxruntime-node/package.json').version,
            node: process.version};
  },

  async load(request) {
    const threads = Number(request.threads) || 1;
    const options = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: request.optimization || 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,  // errors only: real files log a warning per unused initializer
      extra: {session: {intra_op: {allow_spinning: '0'}, inter_op: {allow_spinning: '0'}}},
    };
    const start = process.hrtime.bigint();
    const session = await ort.InferenceSession.create(request.model, options);
    const loadMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (sessions.has(request.id)) await sessions.get(request.id).session.release();
    sessions.set(request.id, {session, inputName: session.inputNames[0],
                              outputName: session.outputNames[0], feeds: null});
    return {inputs: session.inputNames, outputs: session.outputNames, load_ms: loadMs};
  },

  async input(request) {
    const entry = sessionOf(request);
    const bytes = request.file !== undefined ? fs.readFileSync(request.file)
                                             : Buffer.from(request.base64 || '', 'base64');
    const data = float32FromBytes(bytes);
    const shape = request.shape.map(Number);
    const elements = shape.reduce((a, b) => a * b, 1);
    if (elements !== data.length) {
      throw new Error(`shape [${shape}] has ${elements} elements, the data ${data.length}`);
    }
    if (request.name !== undefined) {
      if (!entry.session.inputNames.includes(request.name)) {
        throw new Error(`the model has no input named '${request.name}'`);
      }
      entry.feeds = {...(entry.feeds || {}), [request.name]: new ort.Tensor('float32', data, shape)};
    } else {
      entry.feeds = {[entry.inputName]: new ort.Tensor('float32', data, shape)};
    }
    return {elements};
  },

  async run(request) {
    const entry = sessionOf(request);
    if (!entry.feeds) throw new Error(`session '${request.id}' has no input (send "input")`);
    const runs = Math.max(1, Number(request.runs) || 1);
    const ms = [];
    let results = null;
    for (let i = 0; i < runs; ++i) {
      const start = process.hrtime.bigint();
      results = await entry.session.run(entry.feeds);
      ms.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const output = results[entry.outputName];
    if (request.output_file) {
      const data = output.data;
      fs.writeFileSync(request.output_file,
                       Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    }
    const reply = {ms, output_shape: output.dims};
    if (request.outputs_dir) {
      reply.outputs = entry.session.outputNames.map((name, index) => {
        const tensor = results[name];
        const file = `${request.outputs_dir}/${index}.bin`;
        const data = tensor.data;
        const bytes = tensor.type === 'bool'
            ? Buffer.from(Uint8Array.from(data, (v) => (v ? 1 : 0)))
            : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
        fs.writeFileSync(file, bytes);
        return {name, type: tensor.type, dims: tensor.dims, file};
      });
    }
    return reply;
  },

  async close(request) {
    const entry = sessions.get(request.id);
    if (entry) await entry.session.release();
    sessions.delete(request.id);
    return {};
  },

  async quit() {
    return {};
  },
};

async function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (error) {
    return {ok: false, error: `bad JSON request: ${error.message}`};
  }
  const handler = handlers[request.cmd];
  if (!handler) return {ok: false, error: `unknown cmd '${request.cmd}'`};
  if (request.cmd === 'quit') quitting = true;
  if (!ort) return {ok: false, error: `cannot load onnxruntime-node: ${loadError.message}`};
  try {
    return {ok: true, ...(await handler(request))};
  } catch (error) {
    return {ok: false, error: String(error && error.message ? error.message : error)};
  }
}

async function main() {
  const lines = readline.createInterface({input: process.stdin, terminal: false});
  // Requests are answered strictly in order, one at a time: timing runs must not overlap.
  for await (const line of lines) {
    if (!line.trim()) continue;
    const reply = await handle(line);
    process.stdout.write(JSON.stringify(reply) + '\n');
    if (quitting) break;
  }
  for (const entry of sessions.values()) await entry.session.release();
  process.exit(0);
}

main();
