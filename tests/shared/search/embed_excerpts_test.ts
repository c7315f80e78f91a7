import assert from "node:assert/strict";
import { ModelRegistry } from "../../../shared/models/mod.ts";
import { embedExcerpts } from "../../../shared/search/embed_excerpts.ts";
import { notesRoll } from "../../../shared/search/roll.ts";
import { loadSearchModel } from "../../../shared/search/search_model.ts";
import { tolerantNotes } from "../../../shared/search/tolerant_notes.ts";
import { LocalObjectStore } from "../../../shared/storage/mod.ts";
import {
  FIXTURES,
  maxDiff,
  TINY_SEARCH_SPEC,
  tinySearchEmbedding,
} from "../../fixtures/models/tiny_model.ts";
import { MUSICXML_WALTZ_EXCERPTS } from "../../support/scores.ts";

Deno.test("embedExcerpts() embeds each excerpt's notes roll; a soundless one is null", async () => {
  const models = new ModelRegistry({
    source: new LocalObjectStore(FIXTURES),
    onnx: { backend: "web" },
  });
  try {
    const model = await loadSearchModel(models, "search-notes", "notes");
    const excerpts = [
      ...MUSICXML_WALTZ_EXCERPTS.map((e) => e.split(" ")),
      ["clef-G2", "gracenote-C5_eighth", "barline"],
    ];
    const [first, second, grace] = await embedExcerpts(models, model, excerpts);
    assert.equal(grace, null);
    for (const [embedding, tokens] of [[first, excerpts[0]!], [second, excerpts[1]!]] as const) {
      const expected = tinySearchEmbedding(notesRoll(tolerantNotes(tokens), TINY_SEARCH_SPEC));
      assert.ok(maxDiff(embedding!, expected) < 1e-4);
    }
    assert.deepEqual(await embedExcerpts(models, model, []), []);
  } finally {
    await models.close();
  }
});
