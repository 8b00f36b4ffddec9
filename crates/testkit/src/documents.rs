//! Documents the tests make themselves: PDFs written by hand (a real text layer, or only
//! images), "scans" rendered from them by poppler's `pdftoppm`, multi-page TIFFs, and the
//! lines of a South African ID copy. Nothing here is a real person's document.
//!
//! `render_*` need `pdftoppm` (Debian `poppler-utils`); the callers check for it first.

use std::io::{Cursor, Write};
use std::process::{Command, Stdio};

/// An A4 page in PDF points (1/72 inch).
const A4: (f32, f32) = (595.0, 842.0);
/// Large enough for Tesseract to read reliably at 150 dpi and up.
const FONT_SIZE: f32 = 14.0;
const LEADING: f32 = 22.0;
const MARGIN: f32 = 72.0;

/// A page of a fixture PDF.
pub enum FixturePage<'a> {
    /// Lines of text as a real text layer (Helvetica 14 pt, A4), from the top-left margin.
    Text(&'a [&'a str]),
    /// Only this JPEG (a DCTDecode image XObject) filling an A4-wide page of its aspect: no
    /// text layer at all, like a scanner's output.
    Image(&'a [u8]),
}

/// A valid PDF whose page `i` carries the lines `pages[i]` as a real text layer.
pub fn pdf_with_text(pages: &[&[&str]]) -> Vec<u8> {
    let pages: Vec<FixturePage<'_>> = pages.iter().map(|l| FixturePage::Text(l)).collect();
    pdf_of(&pages)
}

/// A PDF whose pages are only these JPEGs: no text layer.
pub fn pdf_of_images(jpegs: &[Vec<u8>]) -> Vec<u8> {
    let pages: Vec<FixturePage<'_>> = jpegs.iter().map(|j| FixturePage::Image(j)).collect();
    pdf_of(&pages)
}

/// A valid PDF of these pages, text and images mixed as given.
pub fn pdf_of(pages: &[FixturePage<'_>]) -> Vec<u8> {
    let mut pdf = PdfWriter::new();
    let font = pdf.add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    let pages: Vec<Page> = pages
        .iter()
        .map(|page| match page {
            FixturePage::Text(lines) => text_page(&mut pdf, font, lines),
            FixturePage::Image(jpeg) => image_page(&mut pdf, jpeg),
        })
        .collect();
    pdf.finish(&pages)
}

fn text_page(pdf: &mut PdfWriter, font: usize, lines: &[&str]) -> Page {
    let mut ops = format!(
        "BT /F1 {FONT_SIZE} Tf {LEADING} TL {MARGIN} {} Td\n",
        A4.1 - MARGIN
    )
    .into_bytes();
    for line in lines {
        ops.push(b'(');
        ops.extend(pdf_string(line));
        ops.extend_from_slice(b") Tj T*\n");
    }
    ops.extend_from_slice(b"ET\n");
    Page {
        size: A4,
        resources: format!("<< /Font << /F1 {font} 0 R >> >>"),
        contents: pdf.add_stream(b"", &ops),
    }
}

fn image_page(pdf: &mut PdfWriter, jpeg: &[u8]) -> Page {
    let info = jpeg_info(jpeg);
    let colour = match info.components {
        1 => "/DeviceGray",
        4 => "/DeviceCMYK",
        _ => "/DeviceRGB",
    };
    let image = pdf.add_stream(
        format!(
            "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {colour} \
             /BitsPerComponent 8 /Filter /DCTDecode",
            info.width, info.height
        )
        .as_bytes(),
        jpeg,
    );
    let size = (A4.0, A4.0 * info.height as f32 / info.width as f32);
    let ops = format!("q {} 0 0 {} 0 0 cm /Im0 Do Q\n", size.0, size.1);
    Page {
        size,
        resources: format!("<< /XObject << /Im0 {image} 0 R >> >>"),
        contents: pdf.add_stream(b"", ops.as_bytes()),
    }
}

/// The first page of `pdf` as a PNG at `dpi`, in colour: a scan with no text layer.
pub fn render_png(pdf: &[u8], dpi: u32) -> Vec<u8> {
    pdftoppm(pdf, &["-png", "-r", &dpi.to_string()])
}

/// The first page of `pdf` as a JPEG (quality 85) at `dpi`: a phone photo or a scan.
pub fn render_jpeg(pdf: &[u8], dpi: u32) -> Vec<u8> {
    pdftoppm(
        pdf,
        &["-jpeg", "-jpegopt", "quality=85", "-r", &dpi.to_string()],
    )
}

/// A multi-page greyscale TIFF (LZW), one page per PNG, keeping each PNG's resolution.
pub fn tiff_of(pngs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let mut tiff = tiff::encoder::TiffEncoder::new(&mut out)
        .expect("a TIFF encoder")
        .with_compression(tiff::encoder::Compression::Lzw);
    for png in pngs {
        let page = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .expect("a PNG page")
            .to_luma8();
        tiff.write_image::<tiff::encoder::colortype::Gray8>(
            page.width(),
            page.height(),
            page.as_raw(),
        )
        .expect("write a TIFF page");
    }
    out.into_inner()
}

/// The lines of a South African green-barcoded ID book's data page for `full_name` ("Thandi
/// Nomsa Mokoena": the last word is the surname) and `id_number` (13 digits, printed in the
/// ID's 6-4-3 grouping). Date of birth and sex follow from the number.
pub fn id_copy_lines(full_name: &str, id_number: &str) -> Vec<String> {
    let (forenames, surname) = full_name.rsplit_once(' ').unwrap_or(("", full_name));
    let d: Vec<char> = id_number.chars().filter(char::is_ascii_digit).collect();
    assert_eq!(d.len(), 13, "an SA ID number is 13 digits");
    let s = |r: std::ops::Range<usize>| d[r].iter().collect::<String>();
    let yy: u32 = s(0..2).parse().expect("digits");
    // The century is not in the number; these fixtures are adults born 1925-2024.
    let year = if yy <= 24 { 2000 + yy } else { 1900 + yy };
    let month = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ][s(2..4).parse::<usize>().expect("digits").clamp(1, 12) - 1];
    let sex = if d[6] >= '5' { "M" } else { "F" };
    vec![
        "REPUBLIC OF SOUTH AFRICA".into(),
        "IDENTITY DOCUMENT".into(),
        String::new(),
        format!("Identity Number {} {} {}", s(0..6), s(6..10), s(10..13)),
        format!("Surname {}", surname.to_uppercase()),
        format!("Forenames {}", forenames.to_uppercase()),
        format!("Date of Birth {} {month} {year}", s(4..6)),
        format!("Sex {sex}"),
        "Country of Birth SOUTH AFRICA".into(),
        "Date Issued 12 MAR 2015".into(),
    ]
}

fn pdftoppm(pdf: &[u8], args: &[&str]) -> Vec<u8> {
    let mut child = Command::new("pdftoppm")
        .args(["-f", "1", "-l", "1", "-singlefile"])
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pdftoppm (Debian poppler-utils)");
    let mut stdin = child.stdin.take().expect("pdftoppm's stdin");
    // Written from a thread so that a large PDF cannot fill the pipe while we wait on stdout.
    let pdf = pdf.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&pdf));
    let out = child.wait_with_output().expect("pdftoppm's output");
    writer
        .join()
        .expect("the writer thread")
        .expect("write the PDF to pdftoppm");
    assert!(
        out.status.success() && !out.stdout.is_empty(),
        "pdftoppm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// A literal string's bytes in WinAnsi (Latin-1 for these fixtures), escaped.
fn pdf_string(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for c in text.chars() {
        match c {
            '(' | ')' | '\\' => out.extend([b'\\', c as u8]),
            ' '..='~' => out.push(c as u8),
            c if (c as u32) < 256 => out.extend(format!("\\{:03o}", c as u32).bytes()),
            _ => out.push(b'?'),
        }
    }
    out
}

struct JpegInfo {
    width: u32,
    height: u32,
    components: u8,
}

/// Width, height and components from the JPEG's start-of-frame marker.
fn jpeg_info(jpeg: &[u8]) -> JpegInfo {
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let mut i = 2;
    while i + 9 < jpeg.len() {
        assert_eq!(jpeg[i], 0xFF, "a JPEG marker at {i}");
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            return JpegInfo {
                height: u32::from(u16::from_be_bytes([jpeg[i + 5], jpeg[i + 6]])),
                width: u32::from(u16::from_be_bytes([jpeg[i + 7], jpeg[i + 8]])),
                components: jpeg[i + 9],
            };
        }
        i += 2 + len;
    }
    panic!("a JPEG without a frame header");
}

struct Page {
    size: (f32, f32),
    resources: String,
    contents: usize,
}

/// Writes objects one after another, remembering each one's byte offset for the xref table.
/// Object 1 is the catalogue and 2 the page tree, written by [`PdfWriter::finish`].
struct PdfWriter {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl PdfWriter {
    fn new() -> PdfWriter {
        let mut out = b"%PDF-1.4\n".to_vec();
        // A comment of high bytes marks the file as binary for transfer programs.
        out.extend_from_slice(b"%\xE2\xE3\xCF\xD3\n");
        PdfWriter {
            out,
            offsets: vec![0, 0],
        }
    }

    fn add(&mut self, body: Vec<u8>) -> usize {
        let id = self.offsets.len() + 1;
        self.offsets.push(0);
        self.write(id, &body);
        id
    }

    fn add_stream(&mut self, dict: &[u8], data: &[u8]) -> usize {
        let mut body = b"<< ".to_vec();
        body.extend_from_slice(dict);
        body.extend(format!(" /Length {} >>\nstream\n", data.len()).bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.add(body)
    }

    fn write(&mut self, id: usize, body: &[u8]) {
        self.offsets[id - 1] = self.out.len();
        self.out.extend(format!("{id} 0 obj\n").bytes());
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
    }

    fn finish(mut self, pages: &[Page]) -> Vec<u8> {
        let first = self.offsets.len() + 1;
        let kids: Vec<String> = (0..pages.len())
            .map(|i| format!("{} 0 R", first + i))
            .collect();
        for page in pages {
            let body = format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources {} /Contents {} 0 R >>",
                page.size.0, page.size.1, page.resources, page.contents
            );
            self.add(body.into_bytes());
        }
        self.write(1, b"<< /Type /Catalog /Pages 2 0 R >>");
        let tree = format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        );
        self.write(2, tree.as_bytes());
        let xref = self.out.len();
        let size = self.offsets.len() + 1;
        self.out
            .extend(format!("xref\n0 {size}\n0000000000 65535 f \n").bytes());
        for offset in &self.offsets {
            // Each entry is exactly 20 bytes: the space before the newline is required.
            self.out.extend(format!("{offset:010} 00000 n \n").bytes());
        }
        self.out.extend(
            format!("trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").bytes(),
        );
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_pdf_strings() {
        assert_eq!(pdf_string("a(b)\\é"), b"a\\(b\\)\\\\\\351".to_vec());
    }

    #[test]
    fn id_copy_lines_follow_the_number() {
        let lines = id_copy_lines("Thandi Nomsa Mokoena", "8506150123089");
        assert!(lines.contains(&"Identity Number 850615 0123 089".to_owned()));
        assert!(lines.contains(&"Surname MOKOENA".to_owned()));
        assert!(lines.contains(&"Date of Birth 15 JUN 1985".to_owned()));
        assert!(lines.contains(&"Sex F".to_owned()));
    }
}
