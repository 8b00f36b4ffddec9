//! PDFs that do things when opened: JavaScript, launch actions, embedded files, XFA forms.
//! A scanned ID or a bank letter needs none of them, and each has carried exploits.
//!
//! Names are matched after undoing PDF name escapes (`/J#61vaScript` is `/JavaScript`).
//! Streams compressed with FlateDecode are inflated and searched as well, because PDF 1.5
//! object streams hide whole dictionaries (and so `/JavaScript`) inside them; output is
//! bounded ([`MAX_INFLATED_PER_STREAM`], [`MAX_INFLATED_TOTAL`]) so a deflate bomb costs
//! little. Not covered, and left to clamd: other filters (LZW, ASCII85, ASCIIHex, chains of
//! filters), raw deflate without a zlib header, encrypted PDFs, and names split by comments.

use super::sniff::Refusal;
use std::io::Read;

/// Inflated bytes read from one stream.
pub const MAX_INFLATED_PER_STREAM: u64 = 16 * 1024 * 1024;
/// Inflated bytes read from one file, all streams together.
pub const MAX_INFLATED_TOTAL: u64 = 64 * 1024 * 1024;

/// Why `pdf` (the whole file) is refused, or None when no active content was found.
pub fn pdf_active_content(pdf: &[u8]) -> Option<Refusal> {
    if let Some(what) = active_name(pdf) {
        return Some(refused(what));
    }
    let mut budget = MAX_INFLATED_TOTAL;
    for data in streams(pdf) {
        if budget == 0 {
            break;
        }
        // Only zlib data (FlateDecode) starts with a zlib header; anything else fails at once.
        let mut out = Vec::new();
        let _partial_is_fine = flate2::read::ZlibDecoder::new(data)
            .take(budget.min(MAX_INFLATED_PER_STREAM))
            .read_to_end(&mut out);
        budget = budget.saturating_sub(out.len() as u64);
        if let Some(what) = active_name(&out) {
            return Some(refused(what));
        }
    }
    None
}

fn refused(what: &str) -> Refusal {
    Refusal::ActiveContent { what: what.into() }
}

/// The first active-content name in `bytes`, described.
fn active_name(bytes: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'/') {
        let start = i + off + 1;
        let end = bytes[start..]
            .iter()
            .position(|&b| is_delimiter(b))
            .map_or(bytes.len(), |n| start + n);
        let what = match decode_name(&bytes[start..end]).as_slice() {
            b"JavaScript" | b"JS" => Some("JavaScript"),
            b"Launch" => Some("a launch action, which can start a program"),
            b"EmbeddedFile" | b"EmbeddedFiles" => Some("embedded files"),
            b"XFA" => Some("an XFA form"),
            _ => None,
        };
        if what.is_some() {
            return what;
        }
        i = end;
    }
    None
}

/// PDF white-space and delimiters end a name.
fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        0 | b'\t'
            | b'\n'
            | 0x0C
            | b'\r'
            | b' '
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'/'
            | b'%'
    )
}

/// A name with its `#xx` escapes undone (a malformed escape is kept as written).
fn decode_name(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'#'
            && let Some(v) = raw
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The data of each `stream … endstream` (to the end of the file when unterminated).
fn streams(pdf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut at = 0;
    std::iter::from_fn(move || {
        loop {
            let found = at + find(&pdf[at..], b"stream")?;
            at = found + b"stream".len();
            if pdf[..found].ends_with(b"end") {
                continue;
            }
            let rest = &pdf[at..];
            let start = if rest.starts_with(b"\r\n") {
                2
            } else if rest.starts_with(b"\n") || rest.starts_with(b"\r") {
                1
            } else {
                continue;
            };
            let data = &rest[start..];
            let len = find(data, b"endstream").unwrap_or(data.len());
            at += start + len;
            return Some(&data[..len]);
        }
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn names_are_matched_after_escapes_and_only_whole() {
        assert!(pdf_active_content(b"%PDF-1.7\n<< /S /J#61vaScript /JS (x) >>").is_some());
        assert!(pdf_active_content(b"%PDF-1.7\n<</Type/Action/S/Launch>>").is_some());
        assert!(pdf_active_content(b"%PDF-1.7\n<</Names<</EmbeddedFiles 3 0 R>>>>").is_some());
        assert!(pdf_active_content(b"%PDF-1.7\n<</AcroForm<</XFA 9 0 R>>>>").is_some());
        assert_eq!(pdf_active_content(b"%PDF-1.7\n<</JSON 1 /Font /F1>>"), None);
    }

    #[test]
    fn deflated_object_streams_are_searched() {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"<< /S /JavaScript /JS (app.alert(1)) >>")
            .unwrap();
        let data = z.finish().unwrap();
        let mut pdf =
            b"%PDF-1.7\n1 0 obj\n<< /Type /ObjStm /Filter /FlateDecode >>\nstream\r\n".to_vec();
        pdf.extend_from_slice(&data);
        pdf.extend_from_slice(b"\nendstream\nendobj\n%%EOF\n");
        assert_eq!(pdf_active_content(&pdf), Some(refused("JavaScript")));
    }
}
