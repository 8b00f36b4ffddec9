//! The first page as a small PNG for the portal: a PDF rendered by poppler at the width, an
//! image decoded and scaled by the `image` crate on a blocking thread.

use super::children::Children;
use super::{ExtractError, Preview, pdf};
use crate::FileType;
use image::{DynamicImage, ImageFormat, imageops::FilterType};
use std::io::Cursor;
use std::time::Duration;

/// Previews are no wider than this (the portal shows them in a column of about this size).
pub const PREVIEW_WIDTH: u32 = 800;
/// Nor taller than this: a till slip or a long web page printed to one PDF page is shown
/// scaled down to fit, not as a strip of tens of thousands of pixels.
pub const PREVIEW_MAX_HEIGHT: u32 = 3 * PREVIEW_WIDTH;

pub(super) async fn of_pdf(
    children: &Children,
    bytes: &[u8],
    limit: Duration,
) -> Result<Preview, ExtractError> {
    let size = |png: &[u8]| {
        png_size(png).ok_or_else(|| ExtractError::Failed {
            program: "pdftoppm",
            message: "its output is not a PNG".into(),
        })
    };
    let mut png =
        pdf::render_first_page(children, bytes, pdf::Fit::Width(PREVIEW_WIDTH), limit).await?;
    let (mut width, mut height) = size(&png)?;
    if height > PREVIEW_MAX_HEIGHT {
        // A page taller than three widths: rendered again to the height instead.
        png = pdf::render_first_page(children, bytes, pdf::Fit::Height(PREVIEW_MAX_HEIGHT), limit)
            .await?;
        (width, height) = size(&png)?;
    }
    Ok(Preview { png, width, height })
}

pub(super) async fn of_image(
    children: &Children,
    bytes: &[u8],
    ty: FileType,
) -> Result<Preview, ExtractError> {
    let format = match ty {
        FileType::Jpeg => ImageFormat::Jpeg,
        FileType::Png => ImageFormat::Png,
        FileType::Tiff => ImageFormat::Tiff,
        FileType::Pdf | FileType::Heic => {
            return Err(ExtractError::Failed {
                program: "preview",
                message: format!("{ty} is not an image this decodes"),
            });
        }
    };
    // Decoding a 12-megapixel photo is CPU work: it takes a slot like a child would, and runs
    // on a blocking thread, never on the async executor.
    let _slot = children.slot().await?;
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || scale(&bytes, format, ty))
        .await
        .map_err(|e| ExtractError::Failed {
            program: "preview",
            message: e.to_string(),
        })?
}

fn scale(bytes: &[u8], format: ImageFormat, ty: FileType) -> Result<Preview, ExtractError> {
    let damaged = |e: image::ImageError| ExtractError::Damaged {
        ty,
        message: e.to_string(),
    };
    // The first page only, for a multi-page TIFF.
    let mut image = image::load_from_memory_with_format(bytes, format).map_err(damaged)?;
    if image.width() > PREVIEW_WIDTH || image.height() > PREVIEW_MAX_HEIGHT {
        // `resize` keeps the aspect ratio, fitting within both bounds.
        image = image.resize(PREVIEW_WIDTH, PREVIEW_MAX_HEIGHT, FilterType::Triangle);
    }
    // 8 bits a channel: PNG cannot hold the float samples some TIFFs have, and a preview
    // needs no more.
    let image = match (image.color().has_color(), image.color().has_alpha()) {
        (true, true) => DynamicImage::ImageRgba8(image.to_rgba8()),
        (true, false) => DynamicImage::ImageRgb8(image.to_rgb8()),
        (false, true) => DynamicImage::ImageLumaA8(image.to_luma_alpha8()),
        (false, false) => DynamicImage::ImageLuma8(image.to_luma8()),
    };
    let mut png = Cursor::new(Vec::new());
    image
        .write_to(&mut png, ImageFormat::Png)
        .map_err(|e| ExtractError::Failed {
            program: "preview",
            message: e.to_string(),
        })?;
    Ok(Preview {
        png: png.into_inner(),
        width: image.width(),
        height: image.height(),
    })
}

/// Width and height from a PNG's header (IHDR is always the first chunk).
pub(super) fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") || png.get(12..16)? != b"IHDR" {
        return None;
    }
    let word = |at: usize| Some(u32::from_be_bytes(png.get(at..at + 4)?.try_into().ok()?));
    Some((word(16)?, word(20)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        DynamicImage::ImageLuma8(image::GrayImage::new(width, height))
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }

    #[test]
    fn a_preview_fits_within_the_width_and_the_height() {
        let cases = [
            ((400, 300), (400, 300)),
            ((1600, 1200), (800, 600)),
            ((400, 4800), (200, 2400)),
            ((2000, 20000), (240, 2400)),
        ];
        for ((w, h), want) in cases {
            let p = scale(&png_of(w, h), ImageFormat::Png, FileType::Png).unwrap();
            assert_eq!((p.width, p.height), want, "{w}x{h}");
            assert_eq!(png_size(&p.png), Some(want));
        }
    }

    #[test]
    fn reads_a_png_header() {
        let mut png = Cursor::new(Vec::new());
        DynamicImage::new_luma8(3, 5)
            .write_to(&mut png, ImageFormat::Png)
            .unwrap();
        assert_eq!(png_size(png.get_ref()), Some((3, 5)));
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
