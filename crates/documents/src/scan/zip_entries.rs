//! The entries of a ZIP that can be seen in its first bytes. Only local file headers are
//! read (the central directory is at the end, beyond the head): enough to tell an Office
//! file, and whether it declares macros, from an archive. `[Content_Types].xml` comes first
//! in Office files and is small, so its text is read too (inflated when deflated).

use std::io::Read;

/// What the head of a ZIP shows.
#[derive(Debug, Default)]
pub(super) struct ZipHead {
    /// Entry names in order, as far as the head reaches.
    pub names: Vec<String>,
    /// `[Content_Types].xml` (OOXML), if it is wholly within the head.
    pub content_types: Option<String>,
    /// The `mimetype` entry (OpenDocument), if stored within the head.
    pub mimetype: Option<String>,
}

const LOCAL_HEADER: &[u8] = b"PK\x03\x04";
/// Bit 3: sizes follow the data instead of being in the header, so the next header cannot
/// be found without the central directory.
const DATA_DESCRIPTOR: u16 = 1 << 3;
/// A bound on an inflated `[Content_Types].xml` (a few KiB in practice).
const MAX_INFLATED: u64 = 256 * 1024;

pub(super) fn read(head: &[u8]) -> ZipHead {
    let mut out = ZipHead::default();
    let mut at = 0usize;
    while let Some(h) = head.get(at..at + 30) {
        if &h[..4] != LOCAL_HEADER {
            break;
        }
        let u16_at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (flags, method) = (u16_at(6), u16_at(8));
        let size = u32_at(18) as usize;
        let (name_len, extra_len) = (usize::from(u16_at(26)), usize::from(u16_at(28)));
        let name_start = at + 30;
        let Some(name) = head.get(name_start..name_start + name_len) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let data_start = name_start + name_len + extra_len;
        let data = head.get(data_start..data_start + size);
        if let Some(data) = data.filter(|_| flags & DATA_DESCRIPTOR == 0) {
            if name.eq_ignore_ascii_case("[Content_Types].xml") {
                out.content_types = contents(method, data);
            } else if name == "mimetype" {
                out.mimetype = contents(method, data);
            }
        }
        out.names.push(name);
        if flags & DATA_DESCRIPTOR != 0 {
            break;
        }
        at = data_start + size;
    }
    out
}

/// A stored or deflated entry's text; None for other methods or corrupt data.
fn contents(method: u16, data: &[u8]) -> Option<String> {
    match method {
        0 => Some(String::from_utf8_lossy(data).into_owned()),
        8 => {
            let mut text = Vec::new();
            flate2::read::DeflateDecoder::new(data)
                .take(MAX_INFLATED)
                .read_to_end(&mut text)
                .ok()?;
            Some(String::from_utf8_lossy(&text).into_owned())
        }
        _ => None,
    }
}
