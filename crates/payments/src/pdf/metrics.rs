//! Helvetica and Helvetica-Bold as the PDF's standard-14 fonts: text turned into WinAnsi bytes,
//! and those bytes measured, so that amounts can be right-aligned and descriptions wrapped
//! without embedding a font file.
//!
//! The widths are Adobe's AFM metrics for Helvetica and Helvetica-Bold, in thousandths of the
//! font size, indexed by WinAnsi code from 0x20: read from the AFM-derived font files groff
//! ships (`font/devps/HR`, `HB`) and checked against the Core 14 AFM files (version 002.000,
//! the metrics PDF readers use for these fonts); where they differ (only `mu`, 0xb5, in
//! Helvetica: 578 in the 1999 revision) the Core 14 value is kept. Code points WinAnsi leaves undefined (0x7f, 0x81,
//! 0x8d, 0x8f, 0x90, 0x9d) are 0: [`encode`] never produces them.

/// One of the two faces the documents use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Font {
    Regular,
    Bold,
}

/// What a character that WinAnsi cannot show is printed as.
const REPLACEMENT: u8 = b'?';

/// `text` as WinAnsi bytes: Latin-1 and the typographic marks of Windows-1252 (— – ‘ ’ “ ” …
/// € •) as themselves, a few look-alikes folded, anything else as `?`. Control characters
/// (a stray tab or newline in a one-line field) become spaces so they cannot break the layout.
pub(super) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

fn encode_char(c: char) -> u8 {
    let code = u32::from(c);
    match code {
        0x20..=0x7e | 0xa1..=0xff => u8::try_from(code).unwrap_or(REPLACEMENT),
        // A non-breaking space, and the other spaces, print as a plain one.
        0xa0 | 0x2000..=0x200a | 0x202f | 0x205f | 0x3000 => b' ',
        0x00..=0x1f | 0x7f..=0x9f => b' ',
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            // Look-alikes that WinAnsi lacks but text pasted from a word processor carries.
            '‐' | '‑' | '‒' | '−' => b'-',
            '′' => b'\'',
            '″' => b'"',
            _ => REPLACEMENT,
        },
    }
}

/// The width in points of WinAnsi `bytes` set in `font` at `size`.
pub(super) fn width(font: Font, size: f32, bytes: &[u8]) -> f32 {
    let table = match font {
        Font::Regular => &HELVETICA,
        Font::Bold => &HELVETICA_BOLD,
    };
    let units: u32 = bytes
        .iter()
        .map(|&b| {
            usize::from(b)
                .checked_sub(0x20)
                .and_then(|i| table.get(i))
                .map_or(0, |&w| u32::from(w))
        })
        .sum();
    // Exact: no line of a page comes near 2^24 thousandths.
    units as f32 * size / 1000.0
}

#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0x30
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 0x50
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 0x60
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0, // 0x70
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 0xf0
];
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 0x20
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 0x30
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 0x40
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 0x50
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 0x60
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0, // 0x70
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, // 0x80
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, // 0x90
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 0xa0
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 0xb0
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 0xc0
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 0xd0
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 0xe0
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 0xf0
];
