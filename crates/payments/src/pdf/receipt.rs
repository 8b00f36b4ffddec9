//! The receipt for one payment: what was received, how, and what the invoice still needs.

use super::Party;
use super::format::{date, method, money};
use super::issuer::Issuer;
use super::layout::{BOTTOM, Canvas, LEFT, Style};
use super::metrics::Font;
use super::parts::{self, Header, Row};
use crate::invoices::model::{InvoiceDetail, Payment};

pub(super) fn render(detail: &InvoiceDetail, payment: &Payment, client: &Party<'_>) -> Vec<u8> {
    let invoice = &detail.invoice;
    let issuer = Issuer::read(&invoice.issuer);
    let number = invoice.number.as_deref().unwrap_or("Draft");
    let mut canvas = Canvas::new(&format!("Receipt for {number}"));
    let currency = payment.currency.as_str();

    let header = Header {
        issuer: &issuer,
        title: "RECEIPT",
        meta: vec![
            ("Date received", date(payment.received_on)),
            ("Invoice no.", number.to_owned()),
            ("Reference", payment.reference.clone()),
        ],
        stamp: None,
    };
    let mut y = parts::header(&mut canvas, &header);
    y = parts::party(&mut canvas, y, "Received from", client);

    canvas.text(LEFT, y, &parts::BODY, "Received with thanks");
    y -= 24.0;
    let amount = Style::new(Font::Bold, 20.0, issuer.brand);
    canvas.text(LEFT, y, &amount, &money(payment.amount_cents, currency));
    y -= 30.0;

    let (paid, balance) = as_at(detail, payment);
    let mut rows = vec![
        Row::new("Amount", money(payment.amount_cents, currency)),
        Row::new("Method", method(&payment.method, &payment.provider)),
        Row::new("Reference", payment.reference.clone()),
        Row::new("Date received", date(payment.received_on)),
        Row::new("For invoice", number),
        Row::new(
            "Invoice total",
            money(invoice.total_cents, &invoice.currency),
        ),
        Row::new("Paid to date", money(paid, &invoice.currency)),
        Row::strong("Balance remaining", money(balance, &invoice.currency)),
    ];
    if payment.refunded_cents > 0 {
        let refunded = money(payment.refunded_cents, currency);
        rows.insert(1, Row::new("Since refunded", refunded));
    }
    parts::rows(&mut canvas, y, &rows, BOTTOM);
    canvas.finish()
}

/// What had been paid on the invoice, and what remained, once this payment came in: a receipt
/// printed again next month must say what it said the day it was issued, not today's balance.
/// Payments are ordered by the day received, then by when they were recorded.
fn as_at(detail: &InvoiceDetail, payment: &Payment) -> (i64, i64) {
    let key = |p: &Payment| (p.received_on, p.created_at);
    let mut paid: i64 = detail
        .payments
        .iter()
        .filter(|p| p.id != payment.id && key(p) <= key(payment))
        .map(|p| p.amount_cents)
        .sum();
    paid = paid.saturating_add(payment.amount_cents);
    let balance = detail.invoice.total_cents.saturating_sub(paid).max(0);
    (paid, balance)
}
