/**
 * PNG decoding on @jsquash/png's WASM module, with an instance that is dropped after a failure.
 *
 * The codec (Rust) reports a corrupt PNG by throwing a JS exception through its own frames
 * (`unwrap_throw`), so nothing they allocated is ever freed: in the one instance @jsquash/png
 * keeps, every corrupt PNG left its input and its decode buffers behind (180 to 640 KiB each for
 * the fuzzer's small staves) and the instance's memory grew without bound. Here a failed decode
 * discards its instance, and the next decode instantiates the same compiled module afresh.
 *
 * @module
 */
import { init } from "@jsquash/png/decode.js";
import initPngModule from "@jsquash/png/codec/pkg/squoosh_png.js";

/** What the codec's WASM exports that decoding uses. */
interface PngExports {
  readonly memory: WebAssembly.Memory;
  decode(pointer: number, length: number): number;
  __wbindgen_malloc(size: number, align: number): number;
  __wbindgen_free(pointer: number, size: number, align: number): void;
}

/** One instance of the module with the JS side wasm-bindgen expects (a table of JS values). */
class PngInstance {
  readonly #exports: PngExports;
  // Indices below 132 are wasm-bindgen's constants (128..131: undefined, null, true, false).
  readonly #heap: unknown[] = [...new Array(128).fill(undefined), undefined, null, true, false];
  #next = this.#heap.length;

  private constructor(instance: WebAssembly.Instance) {
    this.#exports = instance.exports as unknown as PngExports;
  }

  /** Instantiates `module`, giving it the imports the wasm-bindgen glue would. */
  static async create(module: WebAssembly.Module): Promise<PngInstance> {
    // The imports need the instance that they are part of: filled in once it exists.
    const holder: { self?: PngInstance } = {};
    const it = () => holder.self!;
    const imports: Record<string, (...args: number[]) => unknown> = {};
    for (const { module: from, name } of WebAssembly.Module.imports(module)) {
      if (from !== "wbg") throw new Error(`PNG codec imports ${from}.${name}, which is unknown`);
      imports[name] = importFor(name, it);
    }
    const instance = await WebAssembly.instantiate(module, { wbg: imports });
    holder.self = new PngInstance(instance);
    return holder.self;
  }

  /** Bytes of this instance's memory. */
  get memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }

  /** Decodes `data` to RGBA; throws what the codec throws. */
  decode(data: Uint8Array): ImageData {
    const pointer = this.#exports.__wbindgen_malloc(data.length, 1) >>> 0;
    this.bytes().set(data, pointer);
    const image = this.take(this.#exports.decode(pointer, data.length));
    if (!(image instanceof ImageData)) throw new Error("PNG codec returned no image");
    return image;
  }

  /** The memory as bytes (a fresh view: the buffer is replaced when the memory grows). */
  bytes(): Uint8Array {
    return new Uint8Array(this.#exports.memory.buffer);
  }

  get exports(): PngExports {
    return this.#exports;
  }

  add(value: unknown): number {
    if (this.#next === this.#heap.length) this.#heap.push(this.#heap.length + 1);
    const index = this.#next;
    this.#next = this.#heap[index] as number;
    this.#heap[index] = value;
    return index;
  }

  get(index: number): unknown {
    return this.#heap[index];
  }

  take(index: number): unknown {
    const value = this.#heap[index];
    if (index >= 132) {
      this.#heap[index] = this.#next;
      this.#next = index;
    }
    return value;
  }
}

/** The import `name` of the codec (its wasm-bindgen glue, by name without the hash suffix). */
function importFor(name: string, it: () => PngInstance): (...args: number[]) => unknown {
  const kind = name.replace(/_[0-9a-f]{16}$/, "");
  switch (kind) {
    case "__wbindgen_memory":
      return () => it().add(it().exports.memory);
    case "__wbg_buffer":
      return (object) => it().add((it().get(object!) as { buffer: ArrayBuffer }).buffer);
    case "__wbg_newwithbyteoffsetandlength":
      return (buffer, offset, length) =>
        it().add(new Uint16Array(it().get(buffer!) as ArrayBuffer, offset! >>> 0, length! >>> 0));
    case "__wbindgen_object_drop_ref":
      return (object) => void it().take(object!);
    case "__wbg_newwithownedu8clampedarrayandsh":
      return (pointer, length, width, height) => {
        const start = pointer! >>> 0;
        const pixels = new Uint8ClampedArray(it().bytes().slice(start, start + length!));
        it().exports.__wbindgen_free(pointer!, length!, 1);
        return it().add(new ImageData(pixels, width! >>> 0, height! >>> 0));
      };
    case "__wbindgen_throw":
      return (pointer, length) => {
        const start = pointer! >>> 0;
        throw new Error(new TextDecoder().decode(it().bytes().subarray(start, start + length!)));
      };
    default:
      throw new Error(`PNG codec imports wbg.${name}, which is unknown`);
  }
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** The codec's compiled module, as @jsquash/png loads it (so the web build finds it as before). */
function pngModule(): Promise<WebAssembly.Module> {
  compiled ??= init().then(() => {
    const module = (initPngModule as unknown as { __wbindgen_wasm_module?: WebAssembly.Module })
      .__wbindgen_wasm_module;
    if (!(module instanceof WebAssembly.Module)) throw new Error("PNG codec did not load");
    return module;
  }).catch((error) => {
    compiled = undefined;
    throw error;
  });
  return compiled;
}

/**
 * Decodes PNGs on one instance of the codec until a decode fails, then on a fresh one.
 *
 * @example
 * ```ts ignore
 * import { PngCodec } from "./png_codec.ts";
 * const codec = new PngCodec();
 * const image = await codec.decode(await Deno.readFile("staff.png"));
 * console.log(image.width, image.height);
 * ```
 */
export class PngCodec {
  #instance?: Promise<PngInstance>;
  #made = 0;

  /** Instances made so far: one, plus one after each failed decode that was followed by another. */
  get instancesMade(): number {
    return this.#made;
  }

  /** Bytes of the current instance's memory, or 0 before the first decode. */
  async memoryBytes(): Promise<number> {
    return this.#instance ? (await this.#instance).memoryBytes : 0;
  }

  /** Decodes `data` to RGBA. @throws {Error} with the codec's message when it is not a valid PNG. */
  async decode(data: Uint8Array): Promise<ImageData> {
    const current = this.#instance ??= this.#make();
    const instance = await current;
    try {
      return instance.decode(data);
    } catch (error) {
      // The failed decode's allocations are stranded in this instance: start the next afresh.
      if (this.#instance === current) this.#instance = undefined;
      throw error;
    }
  }

  #make(): Promise<PngInstance> {
    this.#made++;
    const made = pngModule().then((module) => PngInstance.create(module));
    made.catch(() => {
      if (this.#instance === made) this.#instance = undefined;
    });
    return made;
  }
}

const shared = new PngCodec();

/** Decodes a PNG on the process's one {@linkcode PngCodec}. */
export function decodePng(data: ArrayBuffer | Uint8Array): Promise<ImageData> {
  return shared.decode(data instanceof Uint8Array ? data : new Uint8Array(data));
}
