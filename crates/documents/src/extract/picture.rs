//! Checks on an uploaded image before a tool sees it: that its bytes are the type it claims,
//! and how many pages a TIFF has.

use super::ExtractError;
use crate::FileType;
use std::io::Cursor;

/// Whether `bytes` start with `ty`'s signature. Checked before Tesseract reads stdin, because
/// Tesseract takes input that is not an image for a list of file names, one per line, and
/// would read those files from this machine's disk.
pub(super) fn check_signature(bytes: &[u8], ty: FileType) -> Result<(), ExtractError> {
    let ok = match ty {
        FileType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        FileType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        FileType::Tiff => bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*"),
        FileType::Pdf | FileType::Heic => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ExtractError::Damaged {
            ty,
            message: "it does not start with the type's signature".into(),
        })
    }
}

/// The pages of a TIFF, counting no further than `max + 1` (enough to refuse it). Only the
/// directories are read, not the pixels.
pub(super) fn tiff_pages(bytes: &[u8], max: u32) -> Result<u32, ExtractError> {
    let damaged = |e: tiff::TiffError| ExtractError::Damaged {
        ty: FileType::Tiff,
        message: e.to_string(),
    };
    let mut decoder = tiff::decoder::Decoder::new(Cursor::new(bytes)).map_err(damaged)?;
    let mut pages = 1;
    while decoder.more_images() && pages <= max {
        decoder.next_image().map_err(damaged)?;
        pages += 1;
    }
    Ok(pages)
}
