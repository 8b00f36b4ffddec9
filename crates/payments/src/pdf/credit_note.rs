//! The credit note: which invoice it credits, by how much (with the VAT part), why, and where
//! the refund stands.

use super::Party;
use super::format::{date, money, refund_status};
use super::issuer::Issuer;
use super::layout::{BOTTOM, Canvas};
use super::parts::{self, Header, Row, Stamp};
use crate::invoices::model::{CreditNote, InvoiceDetail};

pub(super) fn render(detail: &InvoiceDetail, note: &CreditNote, client: &Party<'_>) -> Vec<u8> {
    let invoice = &detail.invoice;
    let issuer = Issuer::read(&invoice.issuer);
    let currency = invoice.currency.as_str();
    let invoice_number = invoice.number.as_deref().unwrap_or("Draft");
    let mut canvas = Canvas::new(&format!("Credit note {}", note.number));

    let header = Header {
        issuer: &issuer,
        title: "CREDIT NOTE",
        meta: vec![
            ("Credit note no.", note.number.clone()),
            ("Date", date(note.issued_on)),
            ("Credits invoice", invoice_number.to_owned()),
        ],
        stamp: (note.refund_status == "refunded").then_some(Stamp::REFUNDED),
    };
    let mut y = parts::header(&mut canvas, &header);
    y = parts::party(&mut canvas, y, "Credited to", client);

    let credits = match invoice.issued_on {
        Some(day) => format!("{invoice_number} of {}", date(day)),
        None => invoice_number.to_owned(),
    };
    let mut rows = vec![
        Row::new("Credits invoice", credits),
        Row::new("Reason", note.reason.trim()),
    ];
    // Amounts credited print negative: they reduce what the invoice charged.
    if issuer.vat_number.is_some() || note.vat_cents != 0 {
        let excl = note.amount_cents.saturating_sub(note.vat_cents);
        rows.push(Row::new("Amount (excl. VAT)", money(-excl, currency)));
        rows.push(Row::new("VAT", money(-note.vat_cents, currency)));
        rows.push(Row::strong(
            "Total credit (incl. VAT)",
            money(-note.amount_cents, currency),
        ));
    } else {
        rows.push(Row::strong(
            "Total credit",
            money(-note.amount_cents, currency),
        ));
    }
    let mut refund = refund_status(&note.refund_status).to_owned();
    if let Some(reference) = note.provider_refund.as_deref().filter(|r| !r.is_empty()) {
        refund.push_str(&format!(" (reference {reference})"));
    }
    if let Some(failure) = note.failure.as_deref().filter(|f| !f.is_empty()) {
        refund.push_str(&format!(": {failure}"));
    }
    rows.push(Row::new("Refund", refund));
    parts::rows(&mut canvas, y, &rows, BOTTOM);
    canvas.finish()
}
