import assert from "node:assert/strict";
import { ConfigError, loadConfig } from "../../../shared/config.ts";

Deno.test("the search settings default to the fp32 encoders and 10 of at most 50 scores", () => {
  assert.deepEqual(loadConfig({}).search, {
    models: { notes: "search-notes", audio: "search-audio", sheet: "search-sheet" },
    defaultLimit: 10,
    maxLimit: 50,
    maxAudioSeconds: 600,
  });
});

Deno.test("the search settings are read from STAVE_SEARCH_* variables", () => {
  const { search } = loadConfig({
    STAVE_SEARCH_MODEL_NOTES: "search-notes-int8",
    STAVE_SEARCH_MODEL_AUDIO: "search-audio-int8",
    STAVE_SEARCH_MODEL_SHEET: "search-sheet-int8",
    STAVE_SEARCH_MAX_LIMIT: "5",
    STAVE_SEARCH_DEFAULT_LIMIT: "3",
    STAVE_SEARCH_MAX_AUDIO_SECONDS: "30",
  });
  assert.deepEqual(search.models, {
    notes: "search-notes-int8",
    audio: "search-audio-int8",
    sheet: "search-sheet-int8",
  });
  assert.deepEqual([search.defaultLimit, search.maxLimit, search.maxAudioSeconds], [3, 5, 30]);
  // Without a default, a maximum under 10 is the default too.
  assert.equal(loadConfig({ STAVE_SEARCH_MAX_LIMIT: "4" }).search.defaultLimit, 4);
});

Deno.test("bad search settings stop start-up naming the variable", () => {
  const bad: [Record<string, string>, string][] = [
    [{ STAVE_SEARCH_MAX_LIMIT: "0" }, "STAVE_SEARCH_MAX_LIMIT"],
    [{ STAVE_SEARCH_DEFAULT_LIMIT: "51" }, "STAVE_SEARCH_DEFAULT_LIMIT"],
    [
      { STAVE_SEARCH_MAX_LIMIT: "5", STAVE_SEARCH_DEFAULT_LIMIT: "6" },
      "STAVE_SEARCH_DEFAULT_LIMIT",
    ],
    [{ STAVE_SEARCH_MAX_AUDIO_SECONDS: "ten" }, "STAVE_SEARCH_MAX_AUDIO_SECONDS"],
  ];
  for (const [env, key] of bad) {
    assert.throws(
      () => loadConfig(env),
      (error: unknown) => error instanceof ConfigError && error.key === key,
      key,
    );
  }
});
