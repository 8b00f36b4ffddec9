//! The invoice: header, the client, the lines (flowing onto further pages), the totals, and
//! how to pay.
//!
//! A VAT vendor's invoice is titled "TAX INVOICE" and carries what section 20 of the VAT Act
//! asks of it that we hold: the words "Tax Invoice", the supplier's name, address and VAT
//! number, the serial number, the date of issue, each line's description, and the VAT charged.

use super::Party;
use super::format::{date, money, rate};
use super::issuer::Issuer;
use super::layout::{BOTTOM, Canvas, LEFT, RIGHT, Rgb, Style, fit, wrap};
use super::metrics::Font;
use super::parts::{self, BODY, BODY_BOLD, Header, LABEL, Stamp};
use crate::invoices::model::{InvoiceDetail, InvoiceLine, InvoiceStatus};

/// Right edges of the numeric columns, and the description's width.
const QTY_RIGHT: f32 = 325.0;
const UNIT_RIGHT: f32 = 410.0;
const VAT_RIGHT: f32 = 455.0;
const DESCRIPTION_WIDTH: f32 = QTY_RIGHT - LEFT - 40.0;
/// The totals' labels start here; their values end at [`RIGHT`].
const TOTALS_LEFT: f32 = 335.0;

pub(super) fn render(detail: &InvoiceDetail, client: &Party<'_>) -> Vec<u8> {
    let invoice = &detail.invoice;
    let issuer = Issuer::read(&invoice.issuer);
    // A draft has no serial number yet, so it cannot be a tax invoice.
    let title = if invoice.status == InvoiceStatus::Draft {
        "DRAFT INVOICE"
    } else if issuer.vat_number.is_some() {
        "TAX INVOICE"
    } else {
        "INVOICE"
    };
    let number = invoice.number.as_deref().unwrap_or("Not yet issued");
    let what = format!("{title} {number}");
    let mut canvas = Canvas::new(&what);

    let mut meta = vec![("Invoice no.", number.to_owned())];
    meta.extend(invoice.issued_on.map(|d| ("Date", date(d))));
    if invoice.status != InvoiceStatus::Void {
        meta.extend(invoice.due_on.map(|d| ("Due date", date(d))));
    }
    let stamp = match invoice.status {
        InvoiceStatus::Draft | InvoiceStatus::Issued => None,
        InvoiceStatus::PartiallyPaid => Some(Stamp::PARTIALLY_PAID),
        InvoiceStatus::Paid => Some(Stamp::PAID),
        InvoiceStatus::Void => Some(Stamp::VOID),
    };
    let header = Header {
        issuer: &issuer,
        title,
        meta,
        stamp,
    };
    let mut y = parts::header(&mut canvas, &header);
    y = parts::party(&mut canvas, y, "Bill to", client);

    // The lines, in the order staff put them, each kept whole on one page.
    let mut lines: Vec<&InvoiceLine> = invoice.lines.iter().collect();
    lines.sort_by_key(|l| l.position);
    y = table_heading(&mut canvas, y);
    for line in lines {
        let description = wrap(&line.description, &BODY, DESCRIPTION_WIDTH);
        let height = BODY.leading() * description.len() as f32 + 8.0;
        if y - height < BOTTOM {
            canvas.new_page();
            y = parts::continued(&mut canvas, &issuer, &what);
            y = table_heading(&mut canvas, y);
        }
        y = table_row(&mut canvas, y, line, &description, &invoice.currency);
    }

    // The totals beside how to pay, kept together.
    let totals = totals(detail, issuer.vat_number.is_some());
    let payment = how_to_pay(&issuer, invoice.status, invoice.number.as_deref());
    let height = (totals.len() as f32 * 19.0).max(payment.len() as f32 * BODY.leading()) + 30.0;
    y -= 12.0;
    if y - height < BOTTOM {
        canvas.new_page();
        y = parts::continued(&mut canvas, &issuer, &what);
    }
    let after_totals = draw_totals(&mut canvas, y, &totals, &invoice.currency);
    let after_payment = draw_payment(&mut canvas, y, &payment);
    y = after_totals.min(after_payment) - 10.0;

    if let Some(reason) = invoice
        .void_reason
        .as_deref()
        .filter(|r| !r.trim().is_empty())
    {
        let rows = [parts::Row::new("Voided because", reason)];
        y = parts::rows(&mut canvas, y, &rows, BOTTOM);
    }
    if !invoice.note.trim().is_empty() {
        let rows = [parts::Row::new("Note", invoice.note.trim())];
        parts::rows(&mut canvas, y, &rows, BOTTOM);
    }
    canvas.finish()
}

/// The shaded band naming the columns; returns the first row's top.
fn table_heading(canvas: &mut Canvas, top: f32) -> f32 {
    canvas.fill(LEFT, top - 18.0, RIGHT - LEFT, 18.0, Rgb::SHADE);
    let baseline = top - 12.0;
    canvas.text(LEFT + 6.0, baseline, &LABEL, "DESCRIPTION");
    canvas.text_right(QTY_RIGHT, baseline, &LABEL, "QTY");
    canvas.text_right(UNIT_RIGHT, baseline, &LABEL, "UNIT PRICE");
    canvas.text_right(VAT_RIGHT, baseline, &LABEL, "VAT %");
    canvas.text_right(RIGHT - 6.0, baseline, &LABEL, "AMOUNT");
    top - 18.0
}

/// One line of the invoice; returns the next row's top.
fn table_row(
    canvas: &mut Canvas,
    top: f32,
    line: &InvoiceLine,
    description: &[String],
    currency: &str,
) -> f32 {
    let baseline = top - 13.0;
    let mut y = baseline;
    for part in description {
        canvas.text(LEFT + 6.0, y, &BODY, part);
        y -= BODY.leading();
    }
    canvas.text_right(QTY_RIGHT, baseline, &BODY, &line.quantity.to_string());
    let unit = money(line.unit_cents, currency);
    canvas.text_right(UNIT_RIGHT, baseline, &BODY, &unit);
    // A line without VAT (a registry fee passed on at cost) shows a dash, not "0%", which
    // would read as zero-rated.
    let vat = if line.vat_rate_bp == 0 {
        "–".to_owned()
    } else {
        rate(line.vat_rate_bp)
    };
    canvas.text_right(VAT_RIGHT, baseline, &BODY, &vat);
    let amount = money(line.amount_cents, currency);
    canvas.text_right(RIGHT - 6.0, baseline, &BODY, &amount);
    let bottom = top - (BODY.leading() * description.len() as f32 + 8.0);
    canvas.rule(LEFT, RIGHT, bottom, 0.4, Rgb::LIGHT);
    bottom
}

/// A totals row: label, amount, and whether it is one of the two that matter most.
struct Total {
    label: &'static str,
    cents: i64,
    strong: bool,
}

fn totals(detail: &InvoiceDetail, vat_vendor: bool) -> Vec<Total> {
    let invoice = &detail.invoice;
    let row = |label, cents, strong| Total {
        label,
        cents,
        strong,
    };
    let mut rows = Vec::new();
    if vat_vendor {
        rows.push(row("Subtotal (excl. VAT)", invoice.subtotal_cents, false));
        rows.push(row("VAT", invoice.vat_cents, false));
        rows.push(row("Total (incl. VAT)", invoice.total_cents, true));
    } else {
        rows.push(row("Subtotal", invoice.subtotal_cents, false));
        // A non-vendor charges no VAT; a line of zero would only invite the question.
        if invoice.vat_cents != 0 {
            rows.push(row("VAT", invoice.vat_cents, false));
        }
        rows.push(row("Total", invoice.total_cents, true));
    }
    rows.push(row("Paid", invoice.paid_cents, false));
    if invoice.credited_cents != 0 {
        rows.push(row("Credited", invoice.credited_cents, false));
    }
    if invoice.status != InvoiceStatus::Void {
        rows.push(row("Amount due", invoice.due_cents, true));
    }
    rows
}

fn draw_totals(canvas: &mut Canvas, top: f32, rows: &[Total], currency: &str) -> f32 {
    let mut y = top - 12.0;
    for total in rows {
        let style = if total.strong {
            Style::new(Font::Bold, 10.0, Rgb::BLACK)
        } else {
            BODY
        };
        if total.strong {
            // Set apart from the rows above by a rule with room on both sides.
            y -= 4.0;
            canvas.rule(TOTALS_LEFT, RIGHT, y + 12.5, 0.6, Rgb::GREY);
        }
        canvas.text(TOTALS_LEFT + 6.0, y, &style, total.label);
        canvas.text_right(RIGHT - 6.0, y, &style, &money(total.cents, currency));
        y -= 15.0;
    }
    y
}

/// A line of the "how to pay" block.
enum PayLine {
    Heading(&'static str),
    Strong(String),
    Plain(String),
    Gap,
}

/// The terms and, when the agency has given them, its bank details for an EFT with the
/// invoice number as the reference. Nothing for a void invoice, and no bank details once it is
/// paid: neither should invite a payment.
fn how_to_pay(issuer: &Issuer, status: InvoiceStatus, number: Option<&str>) -> Vec<PayLine> {
    let mut lines = Vec::new();
    if status == InvoiceStatus::Void {
        return lines;
    }
    match issuer.terms_days {
        Some(0) => lines.push(PayLine::Strong("Payment due on receipt.".to_owned())),
        Some(1) => lines.push(PayLine::Strong("Payment due within 1 day.".to_owned())),
        Some(days) if days > 0 => {
            lines.push(PayLine::Strong(format!("Payment due within {days} days.")));
        }
        _ => {}
    }
    if !issuer.bank_details.is_empty() && status != InvoiceStatus::Paid {
        if !lines.is_empty() {
            lines.push(PayLine::Gap);
        }
        lines.push(PayLine::Heading("PAY BY EFT"));
        lines.extend(issuer.bank_details.iter().cloned().map(PayLine::Plain));
        if let Some(number) = number {
            lines.push(PayLine::Strong(format!("Reference: {number}")));
        }
    }
    lines
}

fn draw_payment(canvas: &mut Canvas, top: f32, lines: &[PayLine]) -> f32 {
    let width = TOTALS_LEFT - LEFT - 30.0;
    let mut y = top - 12.0;
    for line in lines {
        let (style, text) = match line {
            PayLine::Heading(text) => (LABEL, *text),
            PayLine::Strong(text) => (BODY_BOLD, text.as_str()),
            PayLine::Plain(text) => (BODY, text.as_str()),
            PayLine::Gap => (BODY, ""),
        };
        canvas.text(LEFT, y, &style, &fit(text, &style, width));
        y -= BODY.leading();
    }
    y
}
