import assert from "node:assert/strict";
import type { GrayImage } from "../../shared/image/gray_image.ts";
import { combineStaves } from "../../shared/music/combine_staves.ts";
import { Problem } from "../../shared/problem.ts";
import { recognizePage, type RecognizePageOptions } from "../../shared/recognize_page.ts";
import { openTestServices } from "../support/services.ts";

/** The untrained OMR fixture: real structure and vocabularies, meaningless answers. */
const FIXTURE = new URL("../fixtures/omr/", import.meta.url).pathname;
const OPTIONS: RecognizePageOptions = {
  model: "omr-lowrank-int8",
  decoder: "greedy",
  beamWidth: 4,
};

/** Top lines of the three staves drawn by {@linkcode drawnPage}; lines are 10 pixels apart. */
const STAFF_TOPS = [80, 230, 350];

/** A 700x480 page with three staves of five lines (of different lengths) and noteheads. */
function drawnPage(): GrayImage {
  const width = 700, height = 480;
  const data = new Uint8Array(width * height).fill(255);
  STAFF_TOPS.forEach((top, staff) => {
    const right = 660 - 120 * staff;
    for (let line = 0; line < 5; line++) {
      for (const y of [top + 10 * line, top + 10 * line + 1]) {
        data.fill(0, y * width + 40, y * width + right);
      }
    }
    for (let cx = 90; cx < right - 20; cx += 45) {
      const cy = top + 5 + ((cx / 45) % 6) * 5;
      for (let y = cy - 4; y <= cy + 4; y++) {
        for (let x = cx - 6; x <= cx + 6; x++) {
          if (((x - cx) / 6) ** 2 + ((y - cy) / 4) ** 2 <= 1) data[y * width + x] = 0;
        }
      }
      for (let y = cy - 30; y < cy; y++) data[y * width + cx + 6] = 0; // the stem
    }
  });
  return { width, height, data };
}

// One set of services for all steps: opening them (database, migrations) costs seconds.
Deno.test("recognizePage() on the untrained OMR fixture", async (t) => {
  const services = await openTestServices({ STAVE_MODELS: FIXTURE });
  try {
    await t.step("recognizes each staff in reading order and joins the score", async () => {
      const page = await recognizePage(drawnPage(), services.models, OPTIONS);
      assert.equal(page.staves.length, STAFF_TOPS.length);
      page.staves.forEach((staff, i) => {
        assert.ok(Math.abs(staff.band.lineTop - (STAFF_TOPS[i]! + 0.5)) <= 1, `staff ${i + 1}`);
        assert.ok(Math.abs(staff.band.spacing - 10) <= 0.5);
        assert.ok(staff.band.top < staff.band.lineTop && staff.band.bottom > staff.band.lineBottom);
        if (i > 0) assert.ok(page.staves[i - 1]!.band.bottom < staff.band.top);
        assert.equal(staff.model.name, "omr-lowrank-int8");
        assert.ok(staff.semantic !== undefined && staff.agnostic !== undefined);
        // The crop was framed: prepareStaff found the staff's lines in it.
        assert.equal(staff.staff.located, true);
      });
      // Narrower staves give narrower model inputs.
      assert.ok(page.staves[0]!.staff.width > page.staves[2]!.staff.width);
      const tokens = page.staves.map((staff) => staff.semantic!.tokens.map((t) => t.token));
      assert.deepEqual(page.combined.semantic, combineStaves(tokens));
      const { layoutMs, recognitionMs, totalMs } = page.timing;
      assert.ok(layoutMs >= 0 && recognitionMs >= 0 && totalMs >= layoutMs + recognitionMs - 0.2);
    });

    await t.step("answers 422 no-staff for a blank page", async () => {
      const blank = { width: 600, height: 400, data: new Uint8Array(600 * 400).fill(250) };
      await assert.rejects(recognizePage(blank, services.models, OPTIONS), (error: unknown) => {
        assert.ok(error instanceof Problem);
        assert.equal(error.status, 422);
        assert.equal(error.type, "urn:stave:problem:no-staff");
        assert.match(error.message, /^No staff found on the page/);
        return true;
      });
    });

    await t.step("stops when its signal is aborted", async () => {
      const signal = AbortSignal.abort();
      await assert.rejects(
        recognizePage(drawnPage(), services.models, { ...OPTIONS, signal }),
        (error: unknown) => error instanceof DOMException && error.name === "AbortError",
      );
    });
  } finally {
    await services.close();
  }
});
