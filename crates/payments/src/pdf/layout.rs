//! Drawing on A4 pages: text (measured, right-aligned, wrapped, cut to fit), rules and boxes,
//! new pages on demand, and the PDF file itself with the footer every page carries. The
//! documents decide where things go; this module knows how to put them there.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::metrics::{self, Font};

/// A4 portrait, in points.
pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;
/// The printable column: generous margins, as office printers clip the edges.
pub(super) const LEFT: f32 = 50.0;
pub(super) const RIGHT: f32 = PAGE_WIDTH - 50.0;
pub(super) const TOP: f32 = PAGE_HEIGHT - 50.0;
/// Content stops here; below is the footer.
pub(super) const BOTTOM: f32 = 70.0;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// A colour as red, green and blue from 0 to 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0.13, 0.13, 0.13);
    /// Secondary text: labels, the agency's contact lines.
    pub const GREY: Rgb = Rgb(0.38, 0.40, 0.43);
    /// The footer, and rules between lines.
    pub const LIGHT: Rgb = Rgb(0.62, 0.64, 0.67);
    /// Table header and box backgrounds: faint, so a mono printer gives a pale band.
    pub const SHADE: Rgb = Rgb(0.945, 0.953, 0.961);

    /// `#rrggbb`, or `None` for anything else.
    pub fn parse_hex(text: &str) -> Option<Rgb> {
        let hex = text.trim().strip_prefix('#')?;
        if hex.len() != 6 || !hex.is_ascii() {
            return None;
        }
        let channel = |i: usize| {
            hex.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .map(|v| f32::from(v) / 255.0)
        };
        Some(Rgb(channel(0)?, channel(2)?, channel(4)?))
    }

    /// Relative luminance (WCAG), 0 for black to 1 for white.
    fn luminance(self) -> f32 {
        let lin = |c: f32| {
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(self.0) + 0.7152 * lin(self.1) + 0.0722 * lin(self.2)
    }

    /// This colour, darkened until text in it reads on white paper (a contrast of at least
    /// 4.5:1): an agency may pick a pale yellow for its website, but its name must still print.
    pub fn readable_on_white(self) -> Rgb {
        let mut colour = self;
        for _ in 0..20 {
            if 1.05 / (colour.luminance() + 0.05) >= 4.5 {
                break;
            }
            colour = Rgb(colour.0 * 0.85, colour.1 * 0.85, colour.2 * 0.85);
        }
        colour
    }
}

/// How a piece of text is set.
#[derive(Clone, Copy, Debug)]
pub(super) struct Style {
    pub font: Font,
    pub size: f32,
    pub colour: Rgb,
}

impl Style {
    pub const fn new(font: Font, size: f32, colour: Rgb) -> Style {
        Style { font, size, colour }
    }

    /// The width of `text` in this style.
    pub fn width(&self, text: &str) -> f32 {
        metrics::width(self.font, self.size, &metrics::encode(text))
    }

    /// The distance between baselines of consecutive lines.
    pub fn leading(&self) -> f32 {
        self.size * 1.3
    }
}

/// The pages drawn so far: the finished ones and the one being drawn.
pub(super) struct Canvas {
    done: Vec<Content>,
    page: Content,
    title: String,
}

impl Canvas {
    /// A document of one empty page; `title` is the PDF's title (shown by viewers).
    pub fn new(title: &str) -> Canvas {
        Canvas {
            done: Vec::new(),
            page: Content::new(),
            title: title.to_owned(),
        }
    }

    /// Ends the current page and starts a blank one.
    pub fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, Content::new());
        self.done.push(page);
    }

    /// `text` with its baseline starting at (`x`, `y`).
    pub fn text(&mut self, x: f32, y: f32, style: &Style, text: &str) {
        let bytes = metrics::encode(text);
        let Rgb(r, g, b) = style.colour;
        let name = match style.font {
            Font::Regular => REGULAR,
            Font::Bold => BOLD,
        };
        self.page
            .begin_text()
            .set_fill_rgb(r, g, b)
            .set_font(name, style.size)
            .next_line(x, y)
            .show(Str(&bytes))
            .end_text();
    }

    /// `text` ending at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, style: &Style, text: &str) {
        self.text(right - style.width(text), y, style, text);
    }

    /// A horizontal rule `weight` points thick.
    pub fn rule(&mut self, from: f32, to: f32, y: f32, weight: f32, colour: Rgb) {
        let Rgb(r, g, b) = colour;
        self.page
            .save_state()
            .set_stroke_rgb(r, g, b)
            .set_line_width(weight)
            .move_to(from, y)
            .line_to(to, y)
            .stroke()
            .restore_state();
    }

    /// A filled rectangle with its lower-left corner at (`x`, `y`).
    pub fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, colour: Rgb) {
        let Rgb(r, g, b) = colour;
        self.page
            .save_state()
            .set_fill_rgb(r, g, b)
            .rect(x, y, width, height)
            .fill_nonzero()
            .restore_state();
    }

    /// An outlined rectangle with its lower-left corner at (`x`, `y`).
    pub fn frame(&mut self, x: f32, y: f32, width: f32, height: f32, weight: f32, colour: Rgb) {
        let Rgb(r, g, b) = colour;
        self.page
            .save_state()
            .set_stroke_rgb(r, g, b)
            .set_line_width(weight)
            .rect(x, y, width, height)
            .stroke()
            .restore_state();
    }

    /// The PDF: every page with the footer ("Generated by Comply360", and "Page i of n" when
    /// there is more than one), Helvetica in WinAnsi so the text can be searched and copied.
    pub fn finish(mut self) -> Vec<u8> {
        let mut pages = std::mem::take(&mut self.done);
        pages.push(std::mem::replace(&mut self.page, Content::new()));
        let count = pages.len();

        let footer = Style::new(Font::Regular, 7.5, Rgb::LIGHT);
        let mut streams = Vec::with_capacity(count);
        for (index, content) in pages.into_iter().enumerate() {
            self.page = content;
            self.rule(LEFT, RIGHT, 52.0, 0.5, Rgb::LIGHT);
            self.text(LEFT, 40.0, &footer, "Generated by Comply360");
            if count > 1 {
                let label = format!("Page {} of {}", index + 1, count);
                self.text_right(RIGHT, 40.0, &footer, &label);
            }
            streams.push(std::mem::replace(&mut self.page, Content::new()).finish());
        }

        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let mut next = 6;
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push((Ref::new(next), Ref::new(next + 1)));
            next += 2;
        }

        let mut pdf = Pdf::new();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(ids.iter().map(|(page, _)| *page))
            .count(i32::try_from(count).unwrap_or(i32::MAX));
        for ((page_id, content_id), stream) in ids.iter().zip(&streams) {
            let mut page = pdf.page(*page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree)
                .contents(*content_id);
            page.resources()
                .fonts()
                .pair(REGULAR, regular)
                .pair(BOLD, bold);
            page.finish();
            pdf.stream(*content_id, stream);
        }
        for (id, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(name.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("Comply360"));
        pdf.finish()
    }
}

/// `text` broken into lines no wider than `max` (at spaces where it can, inside a word when a
/// word alone is too wide); its own line breaks are kept. Never empty.
pub(super) fn wrap(text: &str, style: &Style, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if style.width(&candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the column (an account number, a URL) is cut where it must.
            let mut rest = word.to_owned();
            while style.width(&rest) > max {
                let cut = longest_prefix(&rest, style, max);
                lines.push(rest[..cut].to_owned());
                rest = rest[cut..].to_owned();
            }
            line = rest;
        }
        lines.push(line);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// `text` as it is when it fits in `max`, else cut and ended with an ellipsis.
pub(super) fn fit(text: &str, style: &Style, max: f32) -> String {
    if style.width(text) <= max {
        return text.to_owned();
    }
    let room = (max - style.width("…")).max(0.0);
    let cut = longest_prefix(text, style, room);
    format!("{}…", text[..cut].trim_end())
}

/// The byte length of the longest prefix of `text` (at least one character, so that wrapping
/// always advances) no wider than `max`.
fn longest_prefix(text: &str, style: &Style, max: f32) -> usize {
    let mut end = text.chars().next().map_or(0, char::len_utf8);
    for (index, c) in text.char_indices().skip(1) {
        if style.width(&text[..index + c.len_utf8()]) > max {
            break;
        }
        end = index + c.len_utf8();
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: Style = Style::new(Font::Regular, 10.0, Rgb::BLACK);

    #[test]
    fn wraps_at_spaces_and_inside_overlong_words() {
        let lines = wrap("one two three four five six", &BODY, 60.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| BODY.width(l) <= 60.0));
        assert_eq!(lines.join(" "), "one two three four five six");

        let long = "x".repeat(200);
        let lines = wrap(&long, &BODY, 50.0);
        assert_eq!(lines.concat(), long);
        assert!(lines.iter().all(|l| BODY.width(l) <= 50.0));
    }

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("short", &BODY, 100.0), "short");
        let cut = fit("a rather long description of the work", &BODY, 60.0);
        assert!(cut.ends_with('…'));
        assert!(BODY.width(&cut) <= 60.0);
    }

    #[test]
    fn widths_are_helveticas() {
        // "Hello" in Helvetica: H 722, e 556, l 222, l 222, o 556 = 2278 thousandths.
        assert!((BODY.width("Hello") - 22.78).abs() < 1e-3);
        let bold = Style::new(Font::Bold, 10.0, Rgb::BLACK);
        assert!(bold.width("Hello") > BODY.width("Hello"));
    }

    #[test]
    fn brand_colours_parse_and_stay_legible() {
        assert_eq!(Rgb::parse_hex("#ffffff"), Some(Rgb(1.0, 1.0, 1.0)));
        assert_eq!(Rgb::parse_hex("ffffff"), None);
        assert_eq!(Rgb::parse_hex("#ffé"), None);
        let pale = Rgb::parse_hex("#ffff66")
            .unwrap_or(Rgb::BLACK)
            .readable_on_white();
        assert!(1.05 / (pale.luminance() + 0.05) >= 4.5);
        let slate = Rgb::parse_hex("#1f3a5f").unwrap_or(Rgb::BLACK);
        assert_eq!(slate.readable_on_white(), slate);
    }
}
