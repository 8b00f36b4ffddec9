//! Text and previews through the real poppler and Tesseract, on documents the tests make
//! (comply360_testkit::documents). OCR at 300 dpi costs a second or more a page here, so the
//! suite reads few pages and renders each fixture once.

use chrono::NaiveDate;
use comply360_documents::FileType;
use comply360_documents::extract::{
    ExtractError, ExtractSettings, Extracted, Extractor, PREVIEW_MAX_HEIGHT, PREVIEW_WIDTH,
    TextMethod,
};
use comply360_domain::identifiers::SaIdNumber;
use comply360_testkit::documents::{
    FixturePage, id_copy_lines, pdf_of, pdf_of_images, pdf_with_text, render_jpeg, render_png,
    tiff_of,
};
use std::sync::LazyLock;
use std::time::Duration;

/// Test IDs from FACTS.md section 2, with the names printed beside them.
const PEOPLE: [(&str, &str); 4] = [
    ("Thandi Nomsa Mokoena", "8506150123089"),
    ("Sipho Johannes Dlamini", "8001015009087"),
    ("Anna Maria Van Wyk", "9512314999181"),
    ("Lwazi Peter Nkosi", "0002295109082"),
];

/// Whether poppler and Tesseract are here. Outside CI a test without them says so and passes;
/// under `CI=true` it fails.
fn tools() -> bool {
    let missing: Vec<&str> = [
        ("pdfinfo", "-v"),
        ("pdftotext", "-v"),
        ("pdftoppm", "-v"),
        ("tesseract", "--version"),
    ]
    .into_iter()
    .filter(|(program, flag)| {
        std::process::Command::new(program)
            .arg(flag)
            .output()
            .is_err()
    })
    .map(|(program, _)| program)
    .collect();
    if missing.is_empty() {
        return true;
    }
    let message = format!(
        "{} not installed (Debian poppler-utils, tesseract-ocr)",
        missing.join(", ")
    );
    assert!(!comply360_testkit::ci(), "{message}");
    eprintln!("skipped: {message}");
    false
}

fn id_lines(person: usize) -> Vec<String> {
    let (name, id) = PEOPLE[person];
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    SaIdNumber::parse(id, today).expect("FACTS.md's test IDs are valid");
    id_copy_lines(name, id)
}

fn id_pdf(person: usize) -> Vec<u8> {
    let lines = id_lines(person);
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    pdf_with_text(&[&lines])
}

/// Scans of the first person's ID copy, rendered once for every test that needs them.
static ID_JPEG: LazyLock<Vec<u8>> = LazyLock::new(|| render_jpeg(&id_pdf(0), 300));
static ID_PNG: LazyLock<Vec<u8>> = LazyLock::new(|| render_png(&id_pdf(0), 300));

/// The text with all whitespace removed: OCR may space the ID number's groups differently.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Asserts the OCR'd `text` holds `person`'s ID number and surname.
fn assert_reads_id(text: &str, person: usize) {
    let (name, id) = PEOPLE[person];
    let surname = name.rsplit(' ').next().expect("a surname").to_uppercase();
    let squeezed = squeezed(text);
    assert!(squeezed.contains(id), "ID {id} not read from:\n{text}");
    assert!(
        squeezed.contains(&surname),
        "surname {surname} not read from:\n{text}"
    );
}

fn assert_ocr(extracted: &Extracted, pages: u32) {
    assert_eq!(extracted.method, TextMethod::Ocr);
    assert_eq!((extracted.pages, extracted.ocr_pages), (pages, pages));
    let confidence = extracted.confidence.expect("a confidence");
    assert!(confidence > 60.0, "confidence {confidence}");
}

fn extractor() -> Extractor {
    Extractor::new(ExtractSettings::default())
}

#[tokio::test]
async fn a_text_layer_is_read_without_ocr() {
    if !tools() {
        return;
    }
    let pdf = pdf_with_text(&[
        &["Invoice INV-2026-0042", "Amount due R 1,250.00"],
        &["Page two: terms and conditions apply"],
    ]);
    let x = extractor();
    let got = x.text(&pdf, FileType::Pdf).await.expect("text");
    assert_eq!(got.method, TextMethod::TextLayer);
    assert_eq!((got.pages, got.ocr_pages, got.confidence), (2, 0, None));
    let pages: Vec<&str> = got.text.split('\u{c}').collect();
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("Invoice INV-2026-0042"), "{}", pages[0]);
    assert!(pages[1].contains("terms and conditions"), "{}", pages[1]);
    assert_eq!(x.stats().ocr_pages, 0);
}

#[tokio::test]
async fn an_image_only_pdf_of_an_id_copy_is_ocrd() {
    if !tools() {
        return;
    }
    let pdf = pdf_of_images(std::slice::from_ref(&*ID_JPEG));
    let x = extractor();
    let got = x.text(&pdf, FileType::Pdf).await.expect("text");
    assert_ocr(&got, 1);
    assert_reads_id(&got.text, 0);
    assert_eq!(x.stats().ocr_pages, 1);
}

#[tokio::test]
async fn png_and_jpeg_scans_are_ocrd() {
    if !tools() {
        return;
    }
    let x = extractor();
    for (bytes, ty) in [(&*ID_PNG, FileType::Png), (&*ID_JPEG, FileType::Jpeg)] {
        let got = x.text(bytes, ty).await.expect("text");
        assert_ocr(&got, 1);
        assert_reads_id(&got.text, 0);
    }
}

#[tokio::test]
async fn a_mixed_pdf_uses_the_layer_where_there_is_one_and_ocr_where_not() {
    if !tools() {
        return;
    }
    let pdf = pdf_of(&[
        FixturePage::Text(&[
            "Covering letter",
            "Please find my certified ID copy attached.",
        ]),
        FixturePage::Image(&ID_JPEG),
    ]);
    let got = extractor().text(&pdf, FileType::Pdf).await.expect("text");
    assert_eq!(got.method, TextMethod::Ocr);
    assert_eq!((got.pages, got.ocr_pages), (2, 1));
    let pages: Vec<&str> = got.text.split('\u{c}').collect();
    assert!(
        pages[0].contains("certified ID copy attached"),
        "{}",
        pages[0]
    );
    assert_reads_id(pages[1], 0);
}

#[tokio::test]
async fn pages_are_ocrd_in_parallel_within_the_bound() {
    if !tools() {
        return;
    }
    let jpegs: Vec<Vec<u8>> = (0..4).map(|p| render_jpeg(&id_pdf(p), 300)).collect();
    let pdf = pdf_of_images(&jpegs);
    let x = Extractor::new(ExtractSettings {
        max_processes: 2,
        ..ExtractSettings::default()
    });
    let got = x.text(&pdf, FileType::Pdf).await.expect("text");
    assert_ocr(&got, 4);
    for (person, page) in got.text.split('\u{c}').enumerate() {
        assert_reads_id(page, person);
    }
    let stats = x.stats();
    assert_eq!(stats.ocr_pages, 4);
    // Two pages start together, so the bound is reached, and never passed.
    assert_eq!(stats.peak_children, 2);
    assert_eq!(stats.running_children, 0);
}

#[tokio::test]
async fn every_page_of_a_tiff_is_ocrd() {
    if !tools() {
        return;
    }
    let second = render_png(&id_pdf(1), 300);
    let tiff = tiff_of(&[ID_PNG.clone(), second]);
    let got = extractor().text(&tiff, FileType::Tiff).await.expect("text");
    assert_ocr(&got, 2);
    let pages: Vec<&str> = got.text.split('\u{c}').collect();
    assert_reads_id(pages[0], 0);
    assert_reads_id(pages[1], 1);
}

#[tokio::test]
async fn a_damaged_pdf_is_a_clear_error() {
    if !tools() {
        return;
    }
    let mut truncated = pdf_with_text(&[&["Invoice INV-2026-0042"]]);
    truncated.truncate(40);
    for bytes in [b"this is not a PDF at all".to_vec(), truncated] {
        let err = extractor().text(&bytes, FileType::Pdf).await.unwrap_err();
        let ExtractError::Damaged { ty, message } = &err else {
            panic!("expected Damaged, got {err:?}");
        };
        assert_eq!(*ty, FileType::Pdf);
        assert!(!message.is_empty());
        assert!(err.to_string().contains("damaged"), "{err}");
    }
}

#[tokio::test]
async fn a_file_that_is_not_its_type_is_refused_before_ocr() {
    if !tools() {
        return;
    }
    // Tesseract would take these bytes for a list of file names to read.
    let x = extractor();
    let err = x.text(b"/etc/passwd\n", FileType::Png).await.unwrap_err();
    assert!(
        matches!(
            err,
            ExtractError::Damaged {
                ty: FileType::Png,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(x.stats().peak_children, 0);
}

#[tokio::test]
async fn too_many_pages_are_refused() {
    if !tools() {
        return;
    }
    let pdf = pdf_with_text(&[&["Page one of a long document"], &["Page two of it"]]);
    let x = Extractor::new(ExtractSettings {
        max_pages: 1,
        ..ExtractSettings::default()
    });
    let err = x.text(&pdf, FileType::Pdf).await.unwrap_err();
    assert!(
        matches!(err, ExtractError::TooManyPages { pages: 2, max: 1 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_page_over_its_time_is_killed_and_named() {
    if !tools() {
        return;
    }
    let x = Extractor::new(ExtractSettings {
        page_timeout: Duration::from_millis(1),
        ..ExtractSettings::default()
    });
    let err = x.text(&ID_PNG, FileType::Png).await.unwrap_err();
    assert!(
        matches!(
            err,
            ExtractError::Timeout {
                program: "tesseract",
                page: Some(1),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("page 1"), "{err}");
    // Killed and reaped before the error came back.
    assert_eq!(x.stats().running_children, 0);
}

/// Asserts `preview` is a real PNG at most 800 px wide with the aspect of `width`×`height`.
fn assert_preview(preview: &comply360_documents::extract::Preview, width: u32, height: u32) {
    let decoded =
        image::load_from_memory_with_format(&preview.png, image::ImageFormat::Png).expect("a PNG");
    assert_eq!(
        (decoded.width(), decoded.height()),
        (preview.width, preview.height)
    );
    assert!(preview.width <= PREVIEW_WIDTH);
    let want = preview.width as f64 * height as f64 / width as f64;
    assert!(
        (preview.height as f64 - want).abs() <= 2.0,
        "{}×{} is not the aspect of {width}×{height}",
        preview.width,
        preview.height
    );
}

#[tokio::test]
async fn previews_are_small_pngs_of_the_first_page() {
    if !tools() {
        return;
    }
    let x = extractor();
    let pdf = pdf_with_text(&[&["First page"], &["Second page"]]);
    let preview = x.preview(&pdf, FileType::Pdf).await.expect("preview");
    assert_eq!(preview.width, PREVIEW_WIDTH);
    assert_preview(&preview, 595, 842);

    // 300 dpi A4: 2480 × 3508.
    let preview = x.preview(&ID_JPEG, FileType::Jpeg).await.expect("preview");
    assert_eq!(preview.width, PREVIEW_WIDTH);
    assert_preview(&preview, 2480, 3508);

    // Smaller than the width: kept as it is, not enlarged.
    let small = render_png(&pdf, 50);
    let preview = x.preview(&small, FileType::Png).await.expect("preview");
    let original = image::load_from_memory(&small).expect("a PNG");
    assert_eq!(
        (preview.width, preview.height),
        (original.width(), original.height())
    );

    // A TIFF's first page.
    let tiff = tiff_of(&[small.clone(), ID_PNG.clone()]);
    let preview = x.preview(&tiff, FileType::Tiff).await.expect("preview");
    assert_eq!(
        (preview.width, preview.height),
        (original.width(), original.height())
    );

    // A page fifteen times taller than wide (a till slip): fitted to the height cap, its
    // aspect kept, whether it comes as a PDF page or as an image.
    let mut slip = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageLuma8(image::GrayImage::from_pixel(200, 3000, image::Luma([200])))
        .write_to(&mut slip, image::ImageFormat::Jpeg)
        .unwrap();
    let slip = slip.into_inner();
    let tall = pdf_of_images(std::slice::from_ref(&slip));
    let preview = x.preview(&tall, FileType::Pdf).await.expect("preview");
    assert_eq!(preview.height, PREVIEW_MAX_HEIGHT);
    assert_preview(&preview, 200, 3000);
    let preview = x.preview(&slip, FileType::Jpeg).await.expect("preview");
    assert_eq!((preview.width, preview.height), (160, PREVIEW_MAX_HEIGHT));
}

#[tokio::test]
async fn heic_is_unreadable() {
    let x = extractor();
    let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    let err = x.text(heic, FileType::Heic).await.unwrap_err();
    assert!(
        matches!(
            err,
            ExtractError::Unreadable {
                ty: FileType::Heic,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("HEIC"), "{err}");
    let err = x.preview(heic, FileType::Heic).await.unwrap_err();
    assert!(matches!(err, ExtractError::Unreadable { .. }), "{err:?}");
}
