/**
 * Small scores in every notation format the library reads, written for these tests (no
 * third-party music), with the semantic tokens of their first measures.
 *
 * @module
 */

/** A reel in D, eight measures of 4/4 with repeats. */
export const ABC_REEL = `X:1
T:Test Reel
M:4/4
L:1/8
K:D
|:DFAF dFAF|GBdB GBdB|Acec AcBA|GFED E2 D2:|
|:fdAF DFAd|gebg e2 fg|afdf gece|d2 f2 d4:|
`;

/** Three measures of 3/4 in G major, treble clef. */
export const MUSICXML_WALTZ = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE score-partwise PUBLIC "-//Recordare//DTD MusicXML 4.0 Partwise//EN" "http://www.musicxml.org/dtds/partwise.dtd">
<score-partwise version="4.0">
  <part-list><score-part id="P1"><part-name>Flute</part-name></score-part></part-list>
  <part id="P1">
    <measure number="1">
      <attributes>
        <divisions>1</divisions><key><fifths>1</fifths></key>
        <time><beats>3</beats><beat-type>4</beat-type></time>
        <clef><sign>G</sign><line>2</line></clef>
      </attributes>
      <note><pitch><step>G</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>
      <note><pitch><step>B</step><octave>4</octave></pitch><duration>1</duration><type>quarter</type></note>
      <note><pitch><step>D</step><octave>5</octave></pitch><duration>1</duration><type>quarter</type></note>
    </measure>
    <measure number="2">
      <note><pitch><step>F</step><alter>1</alter><octave>5</octave></pitch><duration>2</duration><type>half</type></note>
      <note><pitch><step>E</step><octave>5</octave></pitch><duration>1</duration><type>quarter</type></note>
    </measure>
    <measure number="3">
      <note><pitch><step>D</step><octave>5</octave></pitch><duration>3</duration><type>half</type><dot/></note>
    </measure>
  </part>
</score-partwise>
`;

/** The tokens of {@linkcode MUSICXML_WALTZ} cut at 2 measures: two excerpts. */
export const MUSICXML_WALTZ_EXCERPTS = [
  "clef-G2 keySignature-GM timeSignature-3/4 note-G4_quarter note-B4_quarter note-D5_quarter barline note-F#5_half note-E5_quarter barline",
  "clef-G2 keySignature-GM timeSignature-3/4 note-D5_half. barline",
];

/** Two measures of MEI 5 in F major, bass clef. */
export const MEI_CHORALE = `<?xml version="1.0" encoding="UTF-8"?>
<mei xmlns="http://www.music-encoding.org/ns/mei" meiversion="5.0">
  <meiHead><fileDesc><titleStmt><title>Test chorale</title></titleStmt><pubStmt/></fileDesc></meiHead>
  <music><body><mdiv><score>
    <scoreDef key.sig="1f" meter.count="4" meter.unit="4">
      <staffGrp><staffDef n="1" lines="5" clef.shape="F" clef.line="4"/></staffGrp>
    </scoreDef>
    <section>
      <measure n="1"><staff n="1"><layer n="1">
        <note pname="f" oct="3" dur="4"/><note pname="a" oct="3" dur="4"/>
        <note pname="c" oct="4" dur="4"/><note pname="b" oct="3" dur="4"/>
      </layer></staff></measure>
      <measure n="2" right="end"><staff n="1"><layer n="1">
        <note pname="a" oct="3" dur="2"/><note pname="f" oct="3" dur="2"/>
      </layer></staff></measure>
    </section>
  </score></mdiv></body></music>
</mei>
`;

/** Three measures of Humdrum **kern in D major. */
export const HUMDRUM_MINUET = `!!!OTL: Test minuet
**kern
*clefG2
*k[f#c#]
*M3/4
=1-
4d
4f#
4a
=2
2.dd
=3
4a
4f#
4d
==
*-
`;
