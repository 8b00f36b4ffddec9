//! The pieces every document shares: the agency's header with the document's title, number
//! and dates; the short header of a continuation page; the client's block; a status stamp;
//! labelled rows. Each takes the baseline to start from and returns where the next piece may
//! start.

use super::Party;
use super::issuer::Issuer;
use super::layout::{Canvas, LEFT, RIGHT, Rgb, Style, TOP, fit, wrap};
use super::metrics::Font;

pub(super) const BODY: Style = Style::new(Font::Regular, 9.0, Rgb::BLACK);
pub(super) const BODY_BOLD: Style = Style::new(Font::Bold, 9.0, Rgb::BLACK);
pub(super) const SMALL: Style = Style::new(Font::Regular, 8.5, Rgb::GREY);
/// Small capitals-style headings: "BILL TO", table headings.
pub(super) const LABEL: Style = Style::new(Font::Bold, 7.5, Rgb::GREY);
const TITLE: Style = Style::new(Font::Bold, 16.0, Rgb::BLACK);

/// A word in a box beside the title: PAID, VOID, REFUNDED.
pub(super) struct Stamp {
    pub text: &'static str,
    pub colour: Rgb,
}

impl Stamp {
    pub const PAID: Stamp = Stamp::new("PAID", Rgb(0.10, 0.50, 0.22));
    pub const PARTIALLY_PAID: Stamp = Stamp::new("PARTIALLY PAID", Rgb(0.60, 0.40, 0.0));
    pub const VOID: Stamp = Stamp::new("VOID", Rgb(0.71, 0.14, 0.09));
    pub const REFUNDED: Stamp = Stamp::new("REFUNDED", Rgb(0.10, 0.50, 0.22));

    const fn new(text: &'static str, colour: Rgb) -> Stamp {
        Stamp { text, colour }
    }
}

/// What the top of a document's first page says.
pub(super) struct Header<'a> {
    pub issuer: &'a Issuer,
    /// "TAX INVOICE", "RECEIPT", ...
    pub title: &'a str,
    /// Label and value, e.g. ("Invoice no.", "INV-000042"), under the title.
    pub meta: Vec<(&'static str, String)>,
    pub stamp: Option<Stamp>,
}

/// The first page's header: the agency's name large in its colour over a rule of that colour,
/// its contact details beneath; on the right the title, the meta rows and the stamp.
pub(super) fn header(canvas: &mut Canvas, header: &Header<'_>) -> f32 {
    let issuer = header.issuer;
    let baseline = TOP - 16.0;
    canvas.text_right(RIGHT, baseline, &TITLE, header.title);

    // The name shrinks to share the line with the title before it is cut.
    let room = RIGHT - LEFT - TITLE.width(header.title) - 24.0;
    let mut name = Style::new(Font::Bold, 20.0, issuer.brand);
    while name.size > 12.0 && name.width(&issuer.name) > room {
        name.size -= 1.0;
    }
    canvas.text(LEFT, baseline, &name, &fit(&issuer.name, &name, room));
    canvas.rule(LEFT, RIGHT, baseline - 10.0, 1.2, issuer.brand);

    // Left: how to reach the agency.
    let contact_width = RIGHT - LEFT - 230.0;
    let mut left = baseline - 26.0;
    let mut contact: Vec<String> = issuer.address.clone();
    contact.extend(issuer.email.clone());
    contact.extend(issuer.phone.as_ref().map(|p| format!("Tel {p}")));
    for line in &contact {
        canvas.text(LEFT, left, &SMALL, &fit(line, &SMALL, contact_width));
        left -= SMALL.leading();
    }
    if let Some(vat) = &issuer.vat_number {
        let line = format!("VAT No. {vat}");
        canvas.text(
            LEFT,
            left,
            &BODY_BOLD,
            &fit(&line, &BODY_BOLD, contact_width),
        );
        left -= BODY_BOLD.leading();
    }

    // Right: the document's number and dates.
    let label_x = RIGHT - 200.0;
    let mut right = baseline - 26.0;
    for (label, value) in &header.meta {
        canvas.text(label_x, right, &SMALL, label);
        canvas.text_right(RIGHT, right, &BODY_BOLD, &fit(value, &BODY_BOLD, 110.0));
        right -= 13.0;
    }
    if let Some(stamp) = &header.stamp {
        right = draw_stamp(canvas, right - 4.0, stamp);
    }
    left.min(right) - 12.0
}

/// A stamp right-aligned with its top at `top`; returns the baseline below it.
fn draw_stamp(canvas: &mut Canvas, top: f32, stamp: &Stamp) -> f32 {
    let style = Style::new(Font::Bold, 11.0, stamp.colour);
    let width = style.width(stamp.text) + 14.0;
    let height = 19.0;
    canvas.frame(
        RIGHT - width,
        top - height,
        width,
        height,
        1.3,
        stamp.colour,
    );
    canvas.text_right(RIGHT - 7.0, top - height + 5.5, &style, stamp.text);
    top - height - 12.0
}

/// The header of a page after the first: who and which document, so a loose page is never
/// anonymous.
pub(super) fn continued(canvas: &mut Canvas, issuer: &Issuer, what: &str) -> f32 {
    let baseline = TOP - 10.0;
    let name = Style::new(Font::Bold, 11.0, issuer.brand);
    let label = format!("{what} (continued)");
    canvas.text_right(RIGHT, baseline, &BODY_BOLD, &label);
    let room = RIGHT - LEFT - BODY_BOLD.width(&label) - 20.0;
    canvas.text(LEFT, baseline, &name, &fit(&issuer.name, &name, room));
    canvas.rule(LEFT, RIGHT, baseline - 8.0, 0.8, issuer.brand);
    baseline - 28.0
}

/// The client: "BILL TO" (or `heading`), name, email, address.
pub(super) fn party(canvas: &mut Canvas, top: f32, heading: &str, client: &Party<'_>) -> f32 {
    let width = RIGHT - LEFT - 230.0;
    let mut y = top;
    canvas.text(LEFT, y, &LABEL, &heading.to_uppercase());
    y -= 13.0;
    let name = Style::new(Font::Bold, 10.5, Rgb::BLACK);
    canvas.text(LEFT, y, &name, &fit(client.name, &name, width));
    y -= name.leading();
    let address = client.address.unwrap_or_default();
    let lines = client
        .email
        .into_iter()
        .chain(address.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty());
    for line in lines {
        canvas.text(LEFT, y, &BODY, &fit(line, &BODY, width));
        y -= BODY.leading();
    }
    y - 14.0
}

/// A labelled row: the label in grey, the value beside it (wrapped), bold when it matters.
pub(super) struct Row {
    pub label: &'static str,
    pub value: String,
    pub strong: bool,
}

impl Row {
    pub fn new(label: &'static str, value: impl Into<String>) -> Row {
        Row {
            label,
            value: value.into(),
            strong: false,
        }
    }

    pub fn strong(label: &'static str, value: impl Into<String>) -> Row {
        Row {
            strong: true,
            ..Row::new(label, value)
        }
    }
}

/// Rows of label and value down the page, each on a new page when it would run into the
/// footer.
pub(super) fn rows(canvas: &mut Canvas, top: f32, rows: &[Row], bottom: f32) -> f32 {
    let value_x = LEFT + 130.0;
    let mut y = top;
    for row in rows {
        let style = if row.strong { BODY_BOLD } else { BODY };
        let lines = wrap(&row.value, &style, RIGHT - value_x);
        let height = style.leading() * lines.len() as f32 + 5.0;
        if y - height < bottom {
            canvas.new_page();
            y = TOP;
        }
        canvas.text(LEFT, y, &SMALL, row.label);
        for line in &lines {
            canvas.text(value_x, y, &style, line);
            y -= style.leading();
        }
        y -= 5.0;
    }
    y
}
