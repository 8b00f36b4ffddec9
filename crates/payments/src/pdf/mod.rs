//! The agency's documents as PDF: the (tax) invoice, a receipt for each payment, and a credit
//! note for each refund, A4 portrait, made to be printed as well as read on screen.
//!
//! The text is real text in the standard-14 Helvetica with WinAnsi encoding, so no font is
//! embedded, `pdftotext` and screen readers read it, and a viewer's search finds an invoice
//! number. Characters WinAnsi lacks print as `?` (see [`metrics`]); nothing here fails, so the
//! functions return the bytes directly.
//!
//! Modules, one job each: [`metrics`] (encoding and glyph widths), [`layout`] (pages, text,
//! rules, wrapping, the PDF file), [`format`] (money, dates, rates), [`issuer`] (the agency as
//! recorded on the invoice), [`parts`] (header, client block, stamps, labelled rows), and one
//! module per document.

mod credit_note;
mod format;
mod invoice;
mod issuer;
mod layout;
mod metrics;
mod parts;
mod receipt;

use crate::invoices::model::{CreditNote, InvoiceDetail, Payment};

/// The client a document is addressed to ("Bill to").
#[derive(Clone, Copy, Debug)]
pub struct Party<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// Several lines, separated by newlines.
    pub address: Option<&'a str>,
}

/// The invoice: "TAX INVOICE" when the agency recorded a VAT number on it, else "INVOICE";
/// its lines flow onto as many pages as they need.
pub fn invoice_pdf(detail: &InvoiceDetail, client: &Party<'_>) -> Vec<u8> {
    invoice::render(detail, client)
}

/// The receipt for `payment` (one of the invoice's), with the balance the invoice had left
/// once it was received.
pub fn receipt_pdf(detail: &InvoiceDetail, payment: &Payment, client: &Party<'_>) -> Vec<u8> {
    receipt::render(detail, payment, client)
}

/// The credit note `note` (one of the invoice's): amount with its VAT part, reason, refund.
pub fn credit_note_pdf(detail: &InvoiceDetail, note: &CreditNote, client: &Party<'_>) -> Vec<u8> {
    credit_note::render(detail, note, client)
}
