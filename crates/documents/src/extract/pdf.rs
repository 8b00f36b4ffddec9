//! A PDF through poppler: its pages (`pdfinfo`), its text layer (`pdftotext -layout`) and a
//! page rendered for OCR or a preview (`pdftoppm`). Every tool reads the PDF on stdin (`-`).

use super::ExtractError;
use super::children::{Children, Finished, Program};
use crate::FileType;
use std::time::Duration;

/// Rendered pages are capped at this many pixels on their longer side, whatever the
/// configured dpi: an uploaded PDF can declare a page metres wide, and rendering that at
/// 300 dpi would take gigabytes. An A4 page at 300 dpi is 3508 px tall; A0 fits at 100 dpi.
const MAX_SIDE_PX: f32 = 10_000.0;

/// What `pdfinfo` says: the page count and each page's size in points (the first
/// `max_pages` of them).
pub(super) struct Info {
    pub pages: u32,
    pub sizes: Vec<(f32, f32)>,
}

impl Info {
    /// The dpi to render `page` (1-based) at: `dpi`, lowered for a page too large for it.
    pub fn dpi_for(&self, page: u32, dpi: u32) -> u32 {
        let Some(&(w, h)) = page.checked_sub(1).and_then(|i| self.sizes.get(i as usize)) else {
            return dpi;
        };
        let longest_inches = w.max(h) / 72.0;
        if longest_inches <= 0.0 {
            return dpi;
        }
        let cap = (MAX_SIDE_PX / longest_inches).floor().max(1.0) as u32;
        dpi.min(cap)
    }
}

pub(super) async fn info(
    children: &Children,
    pdf: &[u8],
    max_pages: u32,
    limit: Duration,
) -> Result<Info, ExtractError> {
    let last = max_pages.max(1).to_string();
    let finished = children
        .run(
            Program::PdfInfo,
            &["-f", "1", "-l", &last, "-"],
            pdf,
            limit,
            None,
        )
        .await?;
    ok(&finished)?;
    // Only the lines read here are looked at: the rest (title, author) is the client's data.
    let out = String::from_utf8_lossy(&finished.stdout);
    let mut pages = None;
    let mut sizes = Vec::new();
    for line in out.lines() {
        if let Some(n) = line.strip_prefix("Pages:") {
            pages = n.trim().parse::<u32>().ok();
        } else if let Some(rest) = line.strip_prefix("Page ")
            && let Some((_, size)) = rest.split_once("size:")
        {
            // "Page    1 size: 595.276 x 841.89 pts (A4)"
            let mut numbers = size
                .split_whitespace()
                .filter_map(|t| t.parse::<f32>().ok());
            if let (Some(w), Some(h)) = (numbers.next(), numbers.next()) {
                sizes.push((w, h));
            }
        }
    }
    match pages {
        Some(pages) if pages > 0 => Ok(Info { pages, sizes }),
        _ => Err(ExtractError::Damaged {
            ty: FileType::Pdf,
            message: "poppler found no pages".into(),
        }),
    }
}

/// Each page's text layer, in order (`pages` of them; empty for a page without one).
pub(super) async fn text_layer(
    children: &Children,
    pdf: &[u8],
    pages: u32,
    limit: Duration,
) -> Result<Vec<String>, ExtractError> {
    let last = pages.to_string();
    let finished = children
        .run(
            Program::PdfToText,
            &["-layout", "-enc", "UTF-8", "-f", "1", "-l", &last, "-", "-"],
            pdf,
            limit,
            None,
        )
        .await?;
    ok(&finished)?;
    // pdftotext ends every page with a form feed, so one run gives every page's text.
    let out = String::from_utf8_lossy(&finished.stdout);
    let mut texts: Vec<String> = out
        .split('\u{c}')
        .take(pages as usize)
        .map(str::to_owned)
        .collect();
    texts.resize(pages as usize, String::new());
    Ok(texts)
}

/// Page `page` (1-based) as a greyscale PGM at `dpi`, for Tesseract. PGM rather than PNG:
/// compressing an A4 page at 300 dpi cost pdftoppm 0.46 s of CPU here and writing PGM 0.02 s,
/// a third of the page's whole cost, for an image that only crosses a pipe (8.7 MB; at most
/// `max_processes` of them in memory per document).
pub(super) async fn render(
    children: &Children,
    pdf: &[u8],
    page: u32,
    dpi: u32,
    limit: Duration,
) -> Result<Vec<u8>, ExtractError> {
    let (n, dpi) = (page.to_string(), dpi.to_string());
    let args = ["-f", &n, "-l", &n, "-r", &dpi, "-gray", "-"];
    let finished = children
        .run(Program::PdfToPpm, &args, pdf, limit, Some(page))
        .await?;
    ok(&finished)?;
    non_empty(finished.stdout)
}

/// The first page as a PNG scaled to `fit` (one side given, the other following the page).
pub(super) async fn render_first_page(
    children: &Children,
    pdf: &[u8],
    fit: Fit,
    limit: Duration,
) -> Result<Vec<u8>, ExtractError> {
    // pdftoppm keeps the aspect ratio when one side is -1.
    let (x, y) = match fit {
        Fit::Width(w) => (w.to_string(), "-1".to_owned()),
        Fit::Height(h) => ("-1".to_owned(), h.to_string()),
    };
    let args = [
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        "-scale-to-x",
        &x,
        "-scale-to-y",
        &y,
        "-png",
        "-",
    ];
    let finished = children
        .run(Program::PdfToPpm, &args, pdf, limit, Some(1))
        .await?;
    ok(&finished)?;
    non_empty(finished.stdout)
}

/// The side a rendered page is scaled to, in pixels.
#[derive(Clone, Copy, Debug)]
pub(super) enum Fit {
    Width(u32),
    Height(u32),
}

/// Poppler exits non-zero for a file it cannot open (not a PDF, no trailer, a password); its
/// stderr says why.
fn ok(finished: &Finished) -> Result<(), ExtractError> {
    if finished.status.success() {
        Ok(())
    } else {
        Err(ExtractError::Damaged {
            ty: FileType::Pdf,
            message: finished.complaint(),
        })
    }
}

fn non_empty(png: Vec<u8>) -> Result<Vec<u8>, ExtractError> {
    if png.is_empty() {
        Err(ExtractError::Damaged {
            ty: FileType::Pdf,
            message: "poppler rendered nothing".into(),
        })
    } else {
        Ok(png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_pages_are_rendered_at_a_lower_dpi() {
        let info = Info {
            pages: 2,
            // A4, and a page 5 m tall.
            sizes: vec![(595.0, 842.0), (595.0, 14_173.0)],
        };
        assert_eq!(info.dpi_for(1, 300), 300);
        assert_eq!(info.dpi_for(2, 300), 50);
        assert_eq!(info.dpi_for(3, 300), 300);
    }
}
