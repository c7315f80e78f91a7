import assert from "node:assert/strict";
import { detectScoreFormat } from "../../../shared/library/score_format.ts";
import { Problem } from "../../../shared/problem.ts";
import { grayPng } from "../../support/images.ts";
import { ABC_REEL, HUMDRUM_MINUET, MEI_CHORALE, MUSICXML_WALTZ } from "../../support/scores.ts";

const text = (s: string) => new TextEncoder().encode(s);

function utf16le(s: string): Uint8Array {
  const bytes = new Uint8Array(2 + s.length * 2);
  bytes.set([0xff, 0xfe]);
  for (let i = 0; i < s.length; i++) {
    new DataView(bytes.buffer).setUint16(2 + 2 * i, s.charCodeAt(i), true);
  }
  return bytes;
}

Deno.test("detectScoreFormat() reads the format from the content, whatever the name says", async () => {
  const cases: [Uint8Array, string, string, string][] = [
    [text(MUSICXML_WALTZ), "musicxml", "application/vnd.recordare.musicxml+xml", "musicxml"],
    [utf16le(MUSICXML_WALTZ), "musicxml", "application/vnd.recordare.musicxml+xml", "musicxml"],
    [text(`\ufeff${MEI_CHORALE}`), "mei", "application/mei+xml", "mei"],
    [text(ABC_REEL), "abc", "text/vnd.abc", "abc"],
    [text(HUMDRUM_MINUET), "humdrum", "text/x-humdrum", "krn"],
    [text("**kern\n4c\n*-\n"), "humdrum", "text/x-humdrum", "krn"],
    [await grayPng(4, 4, () => 255), "image", "image/png", "png"],
    [new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]), "image", "image/jpeg", "jpg"],
    [text("RIFF\0\0\0\0WEBPVP8 "), "image", "image/webp", "webp"],
    [
      new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0]),
      "mxl",
      "application/vnd.recordare.musicxml",
      "mxl",
    ],
  ];
  for (const [bytes, format, contentType, extension] of cases) {
    const detected = detectScoreFormat(bytes, {
      fileName: "misnamed.pdf",
      contentType: "text/plain",
    });
    assert.deepEqual(detected, { format, contentType, extension });
  }
});

Deno.test("detectScoreFormat() skips the XML prolog to find the root element", () => {
  const xml = '<?xml version="1.0"?>\n<!-- exported -->\n<?xml-model href="x.rng"?>\n' +
    '<!DOCTYPE mei [ <!ENTITY x "y"> ]>\n<mei:mei xmlns:mei="http://www.music-encoding.org/ns/mei"/>';
  assert.equal(detectScoreFormat(text(xml)).format, "mei");
});

Deno.test("detectScoreFormat() answers 415 naming what was sent, 422 for no bytes", () => {
  const cases: [Uint8Array, number, RegExp][] = [
    [text("GIF89a"), 415, /"photo\.gif" \(image\/gif\)/],
    [text("<html><body/></html>"), 415, /expected MusicXML, MEI, ABC, Humdrum/],
    [text("just some words\n"), 415, /Unsupported score file/],
    [text("T:No reference number\nK:C\nCDEF|\n"), 415, /Unsupported/],
    [new Uint8Array([0xc3, 0x28, 0xa0]), 415, /Unsupported/],
    [new Uint8Array(), 422, /empty/],
  ];
  for (const [bytes, status, message] of cases) {
    assert.throws(
      () => detectScoreFormat(bytes, { fileName: "photo.gif", contentType: "image/gif" }),
      (error: unknown) => {
        assert.ok(error instanceof Problem);
        assert.equal(error.status, status);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});
