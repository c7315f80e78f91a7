/**
 * @module Aggregates sample statistics into the dataset manifest.
 */
import type { SampleInfo } from "./generate.ts";
import type { PieceSummary } from "./worker.ts";

/** Generator identity written into every manifest; bump on any change to labels or images. */
export const GENERATOR = { name: "stave-omr-data", version: "1.0.0" } as const;

function stats(xs: number[]) {
  if (xs.length === 0) return { min: 0, max: 0, mean: 0, p50: 0, p95: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return {
    min: s[0]!,
    max: s.at(-1)!,
    mean: Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 10) / 10,
    p50: q(0.5),
    p95: q(0.95),
  };
}

function count(into: Record<string, number>, key: string, by = 1) {
  into[key] = (into[key] ?? 0) + by;
}

function sorted(h: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(h).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)),
  );
}

/** Inputs of the manifest besides the samples. */
export interface ManifestInput {
  seed: number;
  count: number;
  imageHeight: number;
  sourcesRoot: string;
  pieces: PieceSummary[];
  pieceSplit: Record<string, string>;
  pieceStyle: Record<string, string>;
  vocabulary: { semantic: Set<string>; agnostic: Set<string> };
  seconds: number;
  made: number;
  workers: number;
}

/** Builds the manifest object from every sample's info (sorted by index for stable output). */
export function buildManifest(samples: SampleInfo[], m: ManifestInput) {
  samples.sort((a, b) => a.index - b.index);
  const splits: Record<string, number> = {};
  const semantic: Record<string, number> = {};
  const agnostic: Record<string, number> = {};
  const styleSamples: Record<string, number> = {};
  const rejections: Record<string, number> = {};
  const piecesUsed: Record<string, Set<string>> = {};
  for (const s of samples) {
    count(splits, s.split);
    count(styleSamples, s.style);
    (piecesUsed[s.split] ??= new Set()).add(s.piece);
    for (const t of s.semantic) count(semantic, t);
    for (const t of s.agnostic) count(agnostic, t);
    for (const [k, v] of Object.entries(s.rejections)) count(rejections, k, v);
  }
  const oov = (h: Record<string, number>, v: Set<string>) =>
    sorted(Object.fromEntries(Object.entries(h).filter(([t]) => !v.has(t))));
  const styles: Record<
    string,
    { files: number; pieces: number; skipped: number; samples: number }
  > = {};
  const files = new Map<string, string>();
  for (const p of m.pieces) {
    const style = p.file.split("/")[0]!;
    const st = styles[style] ??= { files: 0, pieces: 0, skipped: 0, samples: 0 };
    if (!files.has(p.file)) st.files++;
    files.set(p.file, style);
    if (p.error) st.skipped++;
    else st.pieces++;
  }
  for (const [style, n] of Object.entries(styleSamples)) {
    (styles[style] ??= { files: 0, pieces: 0, skipped: 0, samples: 0 }).samples = n;
  }
  const bySplit: Record<string, string[]> = { train: [], val: [], test: [] };
  for (const [key, split] of Object.entries(m.pieceSplit).sort()) bySplit[split]!.push(key);
  const semOov = oov(semantic, m.vocabulary.semantic);
  const agnOov = oov(agnostic, m.vocabulary.agnostic);
  return {
    generator: GENERATOR,
    seed: m.seed,
    count: m.count,
    layout: "<split>/<id>.png|.semantic|.agnostic|.mei; labels: every token followed by a TAB",
    splits,
    imageHeight: m.imageHeight,
    image: {
      width: stats(samples.map((s) => s.width)),
      height: stats(samples.map((s) => s.height)),
      widthBySplit: Object.fromEntries(
        Object.keys(splits).map((
          sp,
        ) => [sp, stats(samples.filter((s) => s.split === sp).map((s) => s.width))]),
      ),
    },
    tokens: {
      semanticPerStaff: stats(samples.map((s) => s.semantic.length)),
      agnosticPerStaff: stats(samples.map((s) => s.agnostic.length)),
      semanticDistinct: Object.keys(semantic).length,
      agnosticDistinct: Object.keys(agnostic).length,
      outOfVocabulary: {
        semanticDistinct: Object.keys(semOov).length,
        semanticOccurrences: Object.values(semOov).reduce((a, b) => a + b, 0),
        agnosticDistinct: Object.keys(agnOov).length,
        agnosticOccurrences: Object.values(agnOov).reduce((a, b) => a + b, 0),
        semantic: semOov,
        agnostic: agnOov,
      },
      semanticHistogram: sorted(semantic),
      agnosticHistogram: sorted(agnostic),
    },
    sources: {
      root: m.sourcesRoot,
      styles,
      skipped: m.pieces.filter((p) => p.error).map((p) => ({
        file: p.file,
        piece: p.key,
        tune: p.tune,
        reason: p.error,
      })),
      excerptRedraws: sorted(rejections),
    },
    split: {
      rule:
        "piece-level: hash(piece key) -> train 90% / val 5% / test 5%; test_camera draws on test pieces",
      piecesUsed: Object.fromEntries(Object.entries(piecesUsed).map(([k, v]) => [k, v.size])),
      pieces: bySplit,
    },
    run: {
      workers: m.workers,
      seconds: Math.round(m.seconds * 10) / 10,
      samplesMade: m.made,
      samplesResumed: samples.length - m.made,
      stavesPerSecond: Math.round((m.made / Math.max(m.seconds, 1e-9)) * 10) / 10,
    },
  };
}
