//! A document's text and its preview, through poppler and Tesseract run as child processes.
//!
//! * Text ([`Extractor::text`]): a PDF page's own text layer when it has one, else the page
//!   rendered and OCR'd (paperless-ngx's rule, applied per page, so a scanned ID stapled to a
//!   typed letter is read both ways); images are OCR'd, every page of a TIFF.
//! * Preview ([`Extractor::preview`]): the first page as a PNG at most 800 px wide.
//!
//! One [`Extractor`] per process, shared by the jobs: it holds the bound on child processes
//! (`max_processes`, poppler and Tesseract together), so the bound is the process's. Tesseract
//! runs one page per process with one thread; pages of a document are OCR'd in parallel up to
//! the bound. All of it is `tokio::process`, so no CPU work runs on the async executor.
//!
//! Documents are clients' ID copies: input goes to the tools on stdin and text comes back on
//! stdout, so nothing is written to disk ([`children`]), and neither the text nor the tools'
//! output reaches logs or error messages.

mod children;
mod error;
mod ocr;
mod pdf;
mod picture;
mod preview;

pub use error::ExtractError;
pub use preview::{PREVIEW_MAX_HEIGHT, PREVIEW_WIDTH};

use crate::FileType;
use children::Children;
use futures::{StreamExt, TryStreamExt};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A PDF page whose text layer has fewer letters and digits than this is OCR'd instead. Scans
/// often carry a stray layer (a page number, "Page 1 of 2", a scanner's stamp, form rules of
/// underscores) that is not the page's content; any page of real text, even one line of an ID
/// copy, has more. Punctuation and spaces do not count, so ruled lines cannot pass for text.
pub const MIN_TEXT_LAYER_CHARS: usize = 16;

/// How an [`Extractor`] works. `Default` is the production setting.
#[derive(Clone, Debug)]
pub struct ExtractSettings {
    /// Child processes (poppler and Tesseract together) running at once in this process. Each
    /// is single-threaded, so the machine's cores.
    pub max_processes: usize,
    /// Resolution PDF pages are rendered at for OCR. 300 is Tesseract's sweet spot for body
    /// text; lower misreads small print, higher is slower without reading more.
    pub dpi: u32,
    /// Time limit of each child process (one page's render or OCR; a whole-document step such
    /// as the page count or text layer). Counted from the child's start, not the queue.
    pub page_timeout: Duration,
    /// Documents with more pages are refused rather than read (clients' documents are a few
    /// pages; hundreds are a mistake or an attack on the OCR budget).
    pub max_pages: u32,
}

impl Default for ExtractSettings {
    fn default() -> Self {
        ExtractSettings {
            max_processes: std::thread::available_parallelism().map_or(1, |n| n.get()),
            dpi: 300,
            page_timeout: Duration::from_secs(60),
            max_pages: 50,
        }
    }
}

/// Where a document's text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextMethod {
    /// Every page had a text layer; nothing was OCR'd.
    TextLayer,
    /// At least one page was OCR'd ([`Extracted::ocr_pages`] says how many).
    Ocr,
}

/// A document's text.
#[derive(Clone, PartialEq)]
pub struct Extracted {
    /// Pages in order, separated by a form feed (U+000C), as `pdftotext` does.
    pub text: String,
    pub method: TextMethod,
    pub pages: u32,
    pub ocr_pages: u32,
    /// Tesseract's mean word confidence (0–100) over the OCR'd pages; `None` when nothing was
    /// OCR'd or no word was found.
    pub confidence: Option<f32>,
}

/// Without the text: it is personal data and must not reach a log through `{:?}`.
impl fmt::Debug for Extracted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extracted")
            .field(
                "text",
                &format_args!("<{} chars>", self.text.chars().count()),
            )
            .field("method", &self.method)
            .field("pages", &self.pages)
            .field("ocr_pages", &self.ocr_pages)
            .field("confidence", &self.confidence)
            .finish()
    }
}

/// The first page as a PNG.
#[derive(Clone, PartialEq, Eq)]
pub struct Preview {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

impl fmt::Debug for Preview {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Preview")
            .field("png", &format_args!("<{} bytes>", self.png.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Counters for metrics and benchmarks, since the extractor was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtractStats {
    /// Pages read by Tesseract.
    pub ocr_pages: u64,
    /// The most child processes seen running at once (never above `max_processes`).
    pub peak_children: usize,
    /// Child processes running now.
    pub running_children: usize,
}

/// Reads documents' text and previews. Cheap to clone; make one per process.
#[derive(Clone)]
pub struct Extractor {
    inner: Arc<Inner>,
}

struct Inner {
    settings: ExtractSettings,
    children: Children,
    ocr_pages: AtomicU64,
}

/// Where a page to OCR comes from.
#[derive(Clone, Copy)]
enum Source {
    PdfPage { dpi: u32 },
    TiffPage,
    Image,
}

impl Extractor {
    pub fn new(settings: ExtractSettings) -> Extractor {
        Extractor {
            inner: Arc::new(Inner {
                children: Children::new(settings.max_processes),
                settings,
                ocr_pages: AtomicU64::new(0),
            }),
        }
    }

    pub fn settings(&self) -> &ExtractSettings {
        &self.inner.settings
    }

    pub fn stats(&self) -> ExtractStats {
        ExtractStats {
            ocr_pages: self.inner.ocr_pages.load(Ordering::SeqCst),
            peak_children: self.inner.children.peak(),
            running_children: self.inner.children.running(),
        }
    }

    /// The document's text: each PDF page's text layer, or OCR where a page has none; images
    /// OCR'd.
    #[tracing::instrument(skip_all, fields(file_type = %ty, bytes = bytes.len()), err)]
    pub async fn text(&self, bytes: &[u8], ty: FileType) -> Result<Extracted, ExtractError> {
        let extracted = match ty {
            FileType::Heic => return Err(unreadable(ty)),
            FileType::Pdf => self.pdf_text(bytes).await?,
            FileType::Jpeg | FileType::Png => {
                picture::check_signature(bytes, ty)?;
                assemble_ocr(vec![self.ocr(bytes, ty, 1, Source::Image).await?])
            }
            FileType::Tiff => {
                picture::check_signature(bytes, ty)?;
                let pages = picture::tiff_pages(bytes, self.settings().max_pages)?;
                self.check_pages(pages)?;
                let read = self
                    .ocr_all(bytes, ty, (1..=pages).map(|p| (p, Source::TiffPage)))
                    .await?;
                assemble_ocr(read)
            }
        };
        tracing::debug!(
            pages = extracted.pages,
            ocr_pages = extracted.ocr_pages,
            "text extracted"
        );
        Ok(extracted)
    }

    /// The first page as a PNG no wider than [`PREVIEW_WIDTH`] nor taller than
    /// [`PREVIEW_MAX_HEIGHT`], keeping its aspect.
    #[tracing::instrument(skip_all, fields(file_type = %ty, bytes = bytes.len()), err)]
    pub async fn preview(&self, bytes: &[u8], ty: FileType) -> Result<Preview, ExtractError> {
        let limit = self.settings().page_timeout;
        match ty {
            FileType::Heic => Err(unreadable(ty)),
            FileType::Pdf => preview::of_pdf(&self.inner.children, bytes, limit).await,
            FileType::Jpeg | FileType::Png | FileType::Tiff => {
                picture::check_signature(bytes, ty)?;
                preview::of_image(&self.inner.children, bytes, ty).await
            }
        }
    }

    async fn pdf_text(&self, bytes: &[u8]) -> Result<Extracted, ExtractError> {
        let (children, settings) = (&self.inner.children, self.settings());
        let info = pdf::info(children, bytes, settings.max_pages, settings.page_timeout).await?;
        self.check_pages(info.pages)?;
        let layers = pdf::text_layer(children, bytes, info.pages, settings.page_timeout).await?;
        let mut to_ocr = Vec::new();
        for (page, layer) in (1..).zip(&layers) {
            if !has_text(layer) {
                let dpi = info.dpi_for(page, settings.dpi);
                to_ocr.push((page, Source::PdfPage { dpi }));
            }
        }
        let numbers: Vec<u32> = to_ocr.iter().map(|(page, _)| *page).collect();
        let read = self.ocr_all(bytes, FileType::Pdf, to_ocr).await?;
        let mut pages = layers;
        for (page, text) in numbers.into_iter().zip(&read) {
            pages[page as usize - 1].clone_from(&text.text);
        }
        Ok(assemble(pages, &read))
    }

    /// OCRs `pages`, in parallel up to `max_processes` at a time (the children's bound still
    /// applies across documents; this one keeps a long document from holding every rendered
    /// page in memory at once). Results in page order.
    async fn ocr_all(
        &self,
        bytes: &[u8],
        ty: FileType,
        pages: impl IntoIterator<Item = (u32, Source)>,
    ) -> Result<Vec<ocr::PageText>, ExtractError> {
        futures::stream::iter(pages)
            .map(|(page, source)| self.ocr(bytes, ty, page, source))
            .buffered(self.settings().max_processes.max(1))
            .try_collect()
            .await
    }

    async fn ocr(
        &self,
        bytes: &[u8],
        ty: FileType,
        page: u32,
        source: Source,
    ) -> Result<ocr::PageText, ExtractError> {
        let (children, limit) = (&self.inner.children, self.settings().page_timeout);
        let read = match source {
            Source::PdfPage { dpi } => {
                let pgm = pdf::render(children, bytes, page, dpi, limit).await?;
                let picture = ocr::Picture::Rendered { dpi };
                ocr::read(children, &pgm, picture, page, limit, |f| {
                    ExtractError::Failed {
                        program: "tesseract",
                        message: f.complaint(),
                    }
                })
                .await?
            }
            Source::TiffPage | Source::Image => {
                let picture = match source {
                    Source::TiffPage => ocr::Picture::TiffPage(page - 1),
                    _ => ocr::Picture::Image,
                };
                ocr::read(children, bytes, picture, page, limit, |f| {
                    ExtractError::Damaged {
                        ty,
                        message: f.complaint(),
                    }
                })
                .await?
            }
        };
        self.inner.ocr_pages.fetch_add(1, Ordering::SeqCst);
        Ok(read)
    }

    fn check_pages(&self, pages: u32) -> Result<(), ExtractError> {
        let max = self.settings().max_pages;
        if pages > max {
            return Err(ExtractError::TooManyPages { pages, max });
        }
        Ok(())
    }
}

/// The document from its pages' texts in order (whichever way each was read) and the OCR'd
/// pages among them.
fn assemble(pages: Vec<String>, ocr: &[ocr::PageText]) -> Extracted {
    let words: u32 = ocr.iter().map(|p| p.words).sum();
    let sum: f64 = ocr.iter().map(|p| p.confidence_sum).sum();
    let ocr_pages = ocr.len() as u32;
    Extracted {
        pages: pages.len() as u32,
        text: pages.join("\u{c}"),
        method: if ocr_pages > 0 {
            TextMethod::Ocr
        } else {
            TextMethod::TextLayer
        },
        ocr_pages,
        confidence: (words > 0).then(|| (sum / f64::from(words)) as f32),
    }
}

/// Every page OCR'd.
fn assemble_ocr(read: Vec<ocr::PageText>) -> Extracted {
    let texts = read.iter().map(|p| p.text.clone()).collect();
    assemble(texts, &read)
}

/// Whether a page's text layer is its content (see [`MIN_TEXT_LAYER_CHARS`]).
fn has_text(layer: &str) -> bool {
    layer.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_TEXT_LAYER_CHARS
}

fn unreadable(ty: FileType) -> ExtractError {
    ExtractError::Unreadable {
        ty,
        reason: "there is no HEIC decoder on this platform; convert it to JPEG, or a person \
                 reviews it",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_layer_is_not_text() {
        assert!(!has_text("Page 1 of 2\n"));
        assert!(!has_text("____________ . ____________ / ________"));
        assert!(has_text("Identity Number 800101 5009 087"));
    }

    #[test]
    fn debug_leaves_the_text_out() {
        let e = Extracted {
            text: "8001015009087".into(),
            method: TextMethod::Ocr,
            pages: 1,
            ocr_pages: 1,
            confidence: Some(90.0),
        };
        assert!(!format!("{e:?}").contains("8001015009087"));
    }
}
