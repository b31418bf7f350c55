/**
 * Baseline embeddings for the probe comparison: seeded Gaussian random vectors (what a probe
 * finds when there is nothing to find), and locating local GloVe / BERT files.
 *
 * GloVe: download glove.6B.zip from https://nlp.stanford.edu/projects/glove/ and unzip
 * glove.6B.300d.txt into the download cache (`cacheDir()`) (or point NUMLAB_GLOVE_FILE at it).
 * BERT: download vocab.txt and model.safetensors of bert-base-uncased from
 * https://huggingface.co/bert-base-uncased/tree/main into bert-base-uncased/ in the download cache
 * (or point NUMLAB_BERT_DIR at the folder).
 */
import * as fs from "fs";
import * as path from "path";
import { Rng } from "../random";
import { cacheDir } from "../data/download";
import type { IntegerEmbeddings } from "./tsv";

/** Standard-normal vectors for the integers 0..count-1, seeded. */
export function randomIntegerEmbeddings(count: number, dim: number, seed = 0): IntegerEmbeddings {
  const rng = new Rng(seed);
  const vectors = Array.from({ length: count }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  return { integers: Array.from({ length: count }, (_, i) => i), vectors, dim, source: `random N(0,1), dim ${dim}, seed ${seed}` };
}

/** A local GloVe text file: NUMLAB_GLOVE_FILE, else glove.6B.300d.txt(.gz) in the cache or NUMLAB_DATA_DIR; null if none. */
export function findGloveFile(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.NUMLAB_GLOVE_FILE) return fs.existsSync(env.NUMLAB_GLOVE_FILE) ? env.NUMLAB_GLOVE_FILE : null;
  const dirs = [cacheDir(), ...(env.NUMLAB_DATA_DIR ? [env.NUMLAB_DATA_DIR, path.join(env.NUMLAB_DATA_DIR, "glove")] : [])];
  for (const dir of dirs) {
    for (const name of ["glove.6B.300d.txt", "glove.6B.300d.txt.gz"]) {
      const file = path.join(dir, name);
      if (fs.existsSync(file)) return file;
    }
  }
  return null;
}

/** Local bert-base-uncased files (vocab.txt + model.safetensors): NUMLAB_BERT_DIR, else bert-base-uncased/ in the download cache; null if incomplete. */
export function findBertFiles(env: NodeJS.ProcessEnv = process.env): { vocabFile: string; modelFile: string } | null {
  const dirs = env.NUMLAB_BERT_DIR ? [env.NUMLAB_BERT_DIR] : [path.join(cacheDir(), "bert-base-uncased")];
  for (const dir of dirs) {
    const vocabFile = path.join(dir, "vocab.txt");
    const modelFile = path.join(dir, "model.safetensors");
    if (fs.existsSync(vocabFile) && fs.existsSync(modelFile)) return { vocabFile, modelFile };
  }
  return null;
}
