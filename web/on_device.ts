/// <reference lib="dom" />
/**
 * Recognition on the device: the service's own code path (`recognizeStaff`: decode, prepare
 * the staff, run the model, CTC-decode) with the same model file, fetched from
 * `GET /v1/models/{file}` and verified against the manifest's sha256, on onnxruntime-web in the
 * browser (WebGPU where the browser has an adapter, else WASM). The image never leaves the device.
 *
 * @module
 */
import { ImageFormatError } from "../shared/image/image_header.ts";
import { ModelRegistry, type ModelSource } from "../shared/models/model_registry.ts";
import { Problem, statusTitle } from "../shared/problem.ts";
import { type Recognition, recognizeStaff } from "../shared/recognize.ts";
import { ProblemError, problemOf } from "./api.ts";

/** Which runtime ran an on-device recognition. */
export type DevicePath = "on-device WebGPU" | "on-device WASM";

/** What {@linkcode recognizeOnDevice} returns. */
export interface DeviceReading {
  /** The recognition, exactly as the service would shape it. */
  readonly recognition: Recognition;
  /** The runtime used. */
  readonly path: DevicePath;
  /** Milliseconds spent fetching, verifying and loading the model (0 once it is loaded). */
  readonly loadMs: number;
  /** Milliseconds from the image's bytes to the tokens. */
  readonly recognizeMs: number;
}

interface Catalogue {
  manifest: string;
  recognize: { model: string; maxPixels: number };
}

/** A model source over the service's read-only model files. */
function httpSource(base: URL): ModelSource {
  return {
    async getBytes(key, signal) {
      const response = await fetch(new URL(key, base), { signal });
      if (response.status === 404) return null;
      if (!response.ok) throw await problemOf(response);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
}

async function hasWebGpu(): Promise<boolean> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  return (await gpu?.requestAdapter().catch(() => null)) != null;
}

interface Device {
  registry: ModelRegistry;
  model: string;
  maxPixels: number;
  path: DevicePath;
}

let device: Promise<Device> | undefined;

async function openDevice(): Promise<Device> {
  if (!isSecureContext) {
    // WebCrypto, which checks the model's sha256, exists only there (a phone on plain HTTP).
    throw new ProblemError(
      "On-device reading needs HTTPS",
      "The browser checks the model only on HTTPS or localhost: open Stave over HTTPS, or read " +
        "on the server",
    );
  }
  const response = await fetch("/v1/models");
  if (!response.ok) throw await problemOf(response);
  const catalogue: Catalogue = await response.json();
  const webgpu = await hasWebGpu();
  const registry = new ModelRegistry({
    source: httpSource(new URL(".", new URL(catalogue.manifest, location.href))),
    // One thread: WASM threads need cross-origin isolation (COOP + COEP), which the app does not
    // ask for; on the 2-core machines measured, 2 threads were slower than 1 anyway.
    onnx: { backend: "web", webgpu, threads: 1 },
  });
  return {
    registry,
    model: catalogue.recognize.model,
    maxPixels: catalogue.recognize.maxPixels,
    path: webgpu ? "on-device WebGPU" : "on-device WASM",
  };
}

/** The error to show for a failure on the device, titled as the server would title it. */
function problemFor(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof Problem) return new ProblemError(error.title, error.message, error.status);
  if (error instanceof ImageFormatError) {
    const status = error.unsupported ? 415 : 422;
    return new ProblemError(statusTitle(status), error.message, status);
  }
  return new ProblemError(
    "On-device recognition failed",
    String((error as Error).message ?? error),
  );
}

/**
 * Recognizes the staff in `image` in the browser with the model the service uses.
 *
 * @throws {ProblemError} for an unreadable image, no staff, or a model that cannot load.
 */
export async function recognizeOnDevice(image: Blob): Promise<DeviceReading> {
  try {
    if (device === undefined) {
      device = openDevice();
      device.catch(() => (device = undefined)); // a failed start is retried next time
    }
    const { registry, model, maxPixels, path } = await device;
    const t0 = performance.now();
    await registry.session(model);
    const t1 = performance.now();
    const bytes = new Uint8Array(await image.arrayBuffer());
    const recognition = await recognizeStaff(bytes, registry, {
      model,
      decoder: "greedy",
      beamWidth: 8,
      maxPixels,
    });
    const t2 = performance.now();
    return { recognition, path, loadMs: Math.round(t1 - t0), recognizeMs: Math.round(t2 - t1) };
  } catch (error) {
    throw problemFor(error);
  }
}
