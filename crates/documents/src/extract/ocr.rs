//! One page through Tesseract: `tesseract stdin stdout -l eng tsv`, one process per page.
//!
//! TSV rather than plain text because it carries each word's confidence at no extra cost; the
//! text is rebuilt from it (words in a line by spaces, lines by newlines, blocks by a blank
//! line), which is what Tesseract's own text output does.

use super::ExtractError;
use super::children::{Children, Finished, Program};
use std::time::Duration;

/// The text of one OCR'd page and what its words' confidences add up to.
#[derive(Debug, Default, PartialEq)]
pub(super) struct PageText {
    pub text: String,
    /// Words with a confidence (Tesseract gives -1 to non-words).
    pub words: u32,
    /// Sum of their confidences, 0–100 each.
    pub confidence_sum: f64,
}

/// What Tesseract is given.
#[derive(Clone, Copy, Debug)]
pub(super) enum Picture {
    /// An uploaded JPEG or PNG, read as it is.
    Image,
    /// One page (0-based) of an uploaded TIFF, so that each page is a process of its own.
    TiffPage(u32),
    /// A PDF page poppler rendered at this dpi. The image (PGM) does not record it, and
    /// Tesseract's estimate from the text height is only an estimate.
    Rendered { dpi: u32 },
}

/// Reads `image` (the bytes `picture` says). `page` (1-based) names it in errors; `refused`
/// turns Tesseract's complaint into the caller's error (a damaged upload, or a failure on a
/// page poppler rendered).
pub(super) async fn read(
    children: &Children,
    image: &[u8],
    picture: Picture,
    page: u32,
    limit: Duration,
    refused: impl FnOnce(&Finished) -> ExtractError,
) -> Result<PageText, ExtractError> {
    let mut args: Vec<String> = ["stdin", "stdout", "-l", "eng"].map(String::from).into();
    match picture {
        Picture::Image => {}
        Picture::TiffPage(n) => args.extend(["-c".into(), format!("tessedit_page_number={n}")]),
        Picture::Rendered { dpi } => args.extend(["--dpi".into(), dpi.to_string()]),
    }
    // A config name, so it goes last.
    args.push("tsv".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let finished = children
        .run(Program::Tesseract, &args, image, limit, Some(page))
        .await?;
    if !finished.status.success() {
        metrics::counter!("documents_ocr_pages_total", "outcome" => "failed").increment(1);
        return Err(refused(&finished));
    }
    metrics::counter!("documents_ocr_pages_total", "outcome" => "read").increment(1);
    Ok(parse_tsv(&String::from_utf8_lossy(&finished.stdout)))
}

/// Tesseract's TSV: `level page_num block_num par_num line_num word_num left top width height
/// conf text`, level 5 being a word.
fn parse_tsv(tsv: &str) -> PageText {
    let mut out = PageText::default();
    let mut last: Option<(&str, &str, &str, &str)> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        let [level, page, block, par, line, _, _, _, _, _, conf, word] = cols[..] else {
            continue;
        };
        let word = word.trim();
        if level != "5" || word.is_empty() {
            continue;
        }
        let here = (page, block, par, line);
        match last {
            Some(prev) if prev == here => out.text.push(' '),
            Some(prev) if (prev.0, prev.1) == (here.0, here.1) => out.text.push('\n'),
            Some(_) => out.text.push_str("\n\n"),
            None => {}
        }
        last = Some(here);
        out.text.push_str(word);
        if let Ok(conf) = conf.parse::<f64>()
            && conf >= 0.0
        {
            out.words += 1;
            out.confidence_sum += conf;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuilds_lines_and_blocks_from_tsv() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t2480\t3509\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t0\t0\t1\t1\t90\tREPUBLIC\n\
                   5\t1\t1\t1\t1\t2\t0\t0\t1\t1\t80\tOF\n\
                   5\t1\t1\t1\t2\t1\t0\t0\t1\t1\t70\tIdentity\n\
                   5\t1\t2\t1\t1\t1\t0\t0\t1\t1\t60\t800101\n\
                   5\t1\t2\t1\t1\t2\t0\t0\t1\t1\t-1\t \n";
        let page = parse_tsv(tsv);
        assert_eq!(page.text, "REPUBLIC OF\nIdentity\n\n800101");
        assert_eq!(page.words, 4);
        assert_eq!(page.confidence_sum, 300.0);
    }

    #[test]
    fn empty_output_is_an_empty_page() {
        assert_eq!(parse_tsv(""), PageText::default());
    }
}
