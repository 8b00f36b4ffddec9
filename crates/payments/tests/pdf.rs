//! The invoice, receipt and credit note PDFs, read back with poppler's `pdftotext` and
//! `pdfinfo`: what a client or an auditor would read must be there as text. No database.
//!
//! Outside CI a machine without poppler-utils says so and passes; under `CI=true` it fails.

use std::path::Path;
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use comply360_payments::invoices::model::{
    CreditNote, Invoice, InvoiceDetail, InvoiceLine, InvoiceStatus, LineKind, Payment,
};
use comply360_payments::pdf::{Party, credit_note_pdf, invoice_pdf, receipt_pdf};
use serde_json::{Value, json};
use uuid::Uuid;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
}

fn vat_issuer() -> Value {
    json!({
        "name": "Karoo Compliance (Pty) Ltd",
        "address": "12 Church Street\nGraaff-Reinet\n6280",
        "email": "accounts@karoo.example",
        "phone": "+27 49 892 0000",
        "bank_details": "First National Bank\nAccount 62012345678\nBranch code 250655",
        "vat_number": "4123456789",
        "terms_days": 14,
        "brand_colour": "#7a1f5c",
    })
}

fn line(position: i16, kind: LineKind, description: &str, quantity: i32, unit: i64) -> InvoiceLine {
    let vat_rate_bp = if kind == LineKind::RegistryFee {
        0
    } else {
        1500
    };
    let amount_cents = unit * i64::from(quantity);
    InvoiceLine {
        position,
        kind,
        description: description.to_owned(),
        quantity,
        unit_cents: unit,
        vat_rate_bp,
        amount_cents,
        vat_cents: amount_cents * i64::from(vat_rate_bp) / 10_000,
    }
}

/// An issued invoice of three lines: R 1 509.56 plus R 200.18 VAT is R 1 709.74.
fn detail(issuer: Value, status: InvoiceStatus) -> InvoiceDetail {
    let lines = vec![
        line(
            1,
            LineKind::RegistryFee,
            "CIPC company registration fee",
            1,
            17_500,
        ),
        line(
            2,
            LineKind::ServiceFee,
            "Private company registration (Pty) Ltd",
            1,
            123_456,
        ),
        line(3, LineKind::Other, "Certified copies", 2, 5_000),
    ];
    invoice_with(issuer, status, lines)
}

fn invoice_with(issuer: Value, status: InvoiceStatus, lines: Vec<InvoiceLine>) -> InvoiceDetail {
    let subtotal: i64 = lines.iter().map(|l| l.amount_cents).sum();
    let vat: i64 = lines.iter().map(|l| l.vat_cents).sum();
    let total = subtotal + vat;
    let paid = match status {
        InvoiceStatus::Paid => total,
        InvoiceStatus::PartiallyPaid => 50_000,
        _ => 0,
    };
    let at = Utc.with_ymd_and_hms(2026, 5, 14, 9, 0, 0).unwrap();
    InvoiceDetail {
        invoice: Invoice {
            id: Uuid::now_v7(),
            registration_id: Uuid::now_v7(),
            client_id: Uuid::now_v7(),
            client_name: "Thandi Nkosi".into(),
            status,
            number: Some("INV-000042".into()),
            currency: "ZAR".into(),
            subtotal_cents: subtotal,
            vat_cents: vat,
            total_cents: total,
            paid_cents: paid,
            credited_cents: 0,
            due_cents: (total - paid).max(0),
            issuer,
            issued_on: Some(day(14)),
            due_on: Some(day(28)),
            void_reason: None,
            note: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
            lines,
        },
        payments: Vec::new(),
        credit_notes: Vec::new(),
    }
}

fn payment(invoice: &InvoiceDetail, cents: i64, received: u32, reference: &str) -> Payment {
    Payment {
        id: Uuid::now_v7(),
        invoice_id: invoice.invoice.id,
        provider: "payfast".into(),
        method: "card".into(),
        reference: reference.into(),
        amount_cents: cents,
        currency: "ZAR".into(),
        fee_cents: Some(450),
        refunded_cents: 0,
        received_on: day(received),
        recorded_by: None,
        created_at: Utc.with_ymd_and_hms(2026, 5, received, 10, 0, 0).unwrap(),
    }
}

const CLIENT: Party<'static> = Party {
    name: "Thandi Nkosi",
    email: Some("thandi@example.co.za"),
    address: Some("4 Jacaranda Avenue\nPretoria\n0181"),
};

/// The PDF's text as `pdftotext -layout` reads it (one page, or all when `page` is None), or
/// None when poppler is missing outside CI.
fn text(pdf: &[u8], page: Option<usize>) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let mut command = Command::new("pdftotext");
    command.arg("-layout");
    if let Some(page) = page {
        command.args(["-f", &page.to_string(), "-l", &page.to_string()]);
    }
    let output = tool(command.arg(&path).arg("-"))?;
    Some(String::from_utf8(output).unwrap())
}

/// The page count `pdfinfo` reads, after it has accepted the file as a PDF.
fn pages(pdf: &[u8]) -> Option<usize> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let info = String::from_utf8(tool(Command::new("pdfinfo").arg(&path))?).unwrap();
    let line = info.lines().find(|l| l.starts_with("Pages:")).unwrap();
    Some(line["Pages:".len()..].trim().parse().unwrap())
}

/// Runs a poppler tool, failing the test when it rejects the file.
fn tool(command: &mut Command) -> Option<Vec<u8>> {
    match command.output() {
        Ok(output) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{command:?} failed: {stderr}");
            // poppler reports a damaged file on stderr but may still exit 0.
            assert!(!stderr.contains("Syntax Error"), "{command:?}: {stderr}");
            Some(output.stdout)
        }
        Err(e) if comply360_testkit::ci() => panic!("{command:?} (poppler-utils) under CI: {e}"),
        Err(e) => {
            eprintln!("skipped: {command:?} could not run ({e}); install poppler-utils");
            None
        }
    }
}

/// Writes `pdf` to `COMPLY360_PDF_OUT/<name>.pdf` when set, to look at it.
fn keep(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("COMPLY360_PDF_OUT") {
        std::fs::write(Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
}

#[test]
fn a_vat_vendors_invoice_is_a_tax_invoice_with_what_section_20_asks() {
    let detail = detail(vat_issuer(), InvoiceStatus::Issued);
    let pdf = invoice_pdf(&detail, &CLIENT);
    keep("tax-invoice", &pdf);
    assert!(pdf.starts_with(b"%PDF-"));
    let Some(text) = text(&pdf, None) else { return };
    for expected in [
        "TAX INVOICE",
        "Karoo Compliance (Pty) Ltd",
        "12 Church Street",
        "VAT No. 4123456789",
        "INV-000042",
        "14 May 2026",
        "28 May 2026",
        "BILL TO",
        "Thandi Nkosi",
        "thandi@example.co.za",
        "4 Jacaranda Avenue",
        "CIPC company registration fee",
        "Private company registration (Pty) Ltd",
        "R 1 234.56",
        "15%",
        "R 1 509.56",
        "R 200.18",
        "R 1 709.74",
        "Amount due",
        "Payment due within 14 days.",
        "PAY BY EFT",
        "Account 62012345678",
        "Reference: INV-000042",
        "Generated by Comply360",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    for absent in ["PAID", "VOID", "Page 1 of"] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
    assert_eq!(pages(&pdf), Some(1));
}

#[test]
fn an_invoice_without_a_vat_number_is_not_a_tax_invoice() {
    let mut issuer = vat_issuer();
    issuer["vat_number"] = Value::Null;
    issuer["bank_details"] = Value::Null;
    issuer["brand_colour"] = Value::Null;
    let lines = vec![InvoiceLine {
        vat_rate_bp: 0,
        vat_cents: 0,
        ..line(1, LineKind::ServiceFee, "Annual return filing", 1, 123_456)
    }];
    let mut detail = invoice_with(issuer, InvoiceStatus::Issued, lines);
    detail.invoice.currency = "USD".into();
    let pdf = invoice_pdf(&detail, &CLIENT);
    keep("invoice-usd", &pdf);
    let Some(text) = text(&pdf, None) else { return };
    assert!(text.contains("INVOICE"), "{text}");
    assert!(text.contains("US$ 1 234.56"), "{text}");
    for absent in ["TAX INVOICE", "Tax Invoice", "VAT No.", "PAY BY EFT"] {
        assert!(!text.contains(absent), "{absent:?} in:\n{text}");
    }
}

#[test]
fn the_status_shows_as_paid_partially_paid_void_or_draft() {
    for (status, stamp) in [
        (InvoiceStatus::Paid, "PAID"),
        (InvoiceStatus::PartiallyPaid, "PARTIALLY PAID"),
        (InvoiceStatus::Void, "VOID"),
        (InvoiceStatus::Draft, "DRAFT INVOICE"),
    ] {
        let mut detail = detail(vat_issuer(), status);
        if status == InvoiceStatus::Draft {
            detail.invoice.number = None;
            detail.invoice.issued_on = None;
        }
        if status == InvoiceStatus::Void {
            detail.invoice.void_reason = Some("Issued to the wrong client".into());
        }
        let pdf = invoice_pdf(&detail, &CLIENT);
        keep(&format!("invoice-{stamp}"), &pdf);
        let Some(text) = text(&pdf, None) else { return };
        assert!(text.contains(stamp), "{stamp} missing from:\n{text}");
        match status {
            InvoiceStatus::Paid => {
                assert!(text.contains("R 0.00"), "nothing due:\n{text}");
                assert!(!text.contains("PAY BY EFT"), "{text}");
            }
            InvoiceStatus::Void => {
                assert!(text.contains("Issued to the wrong client"), "{text}");
                assert!(!text.contains("Payment due"), "{text}");
                assert!(!text.contains("PAY BY EFT"), "{text}");
            }
            // Without a serial number it is no tax invoice yet.
            InvoiceStatus::Draft => assert!(!text.contains("TAX INVOICE"), "{text}"),
            _ => {}
        }
    }
}

#[test]
fn a_receipt_thanks_for_the_payment_and_says_what_remains() {
    let mut detail = detail(vat_issuer(), InvoiceStatus::PartiallyPaid);
    let first = payment(&detail, 50_000, 15, "pf_1234567");
    let later = payment(&detail, 120_974, 20, "EFT-KAROO-42");
    detail.payments = vec![first.clone(), later];
    let pdf = receipt_pdf(&detail, &first, &CLIENT);
    keep("receipt", &pdf);
    let Some(text) = text(&pdf, None) else { return };
    for expected in [
        "RECEIPT",
        "Received with thanks",
        "R 500.00",
        "Card via PayFast",
        "pf_1234567",
        "15 May 2026",
        "INV-000042",
        "Balance remaining",
        // As at this payment, not after the later one.
        "R 1 209.74",
        "Thandi Nkosi",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(!text.contains("EFT-KAROO-42"), "{text}");
    assert_eq!(pages(&pdf), Some(1));
}

#[test]
fn a_credit_note_names_the_invoice_the_amount_and_the_reason() {
    let mut detail = detail(vat_issuer(), InvoiceStatus::Paid);
    let paid = payment(&detail, 170_974, 15, "pf_1234567");
    let note = CreditNote {
        id: Uuid::now_v7(),
        invoice_id: detail.invoice.id,
        payment_id: paid.id,
        number: "CN-000007".into(),
        amount_cents: 11_500,
        vat_cents: 1_500,
        reason: "Certified copies were not needed after all".into(),
        refund_status: "refunded".into(),
        provider_refund: Some("rf_998877".into()),
        failure: None,
        issued_on: day(21),
        created_by: None,
        created_at: Utc.with_ymd_and_hms(2026, 5, 21, 11, 0, 0).unwrap(),
    };
    detail.payments = vec![paid];
    detail.credit_notes = vec![note.clone()];
    let pdf = credit_note_pdf(&detail, &note, &CLIENT);
    keep("credit-note", &pdf);
    let Some(text) = text(&pdf, None) else { return };
    for expected in [
        "CREDIT NOTE",
        "CN-000007",
        "INV-000042",
        "21 May 2026",
        "Certified copies were not needed after all",
        "-R 100.00",
        "-R 15.00",
        "-R 115.00",
        "REFUNDED",
        "rf_998877",
        "VAT No. 4123456789",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn sixty_lines_flow_onto_further_pages_with_the_total_on_the_last() {
    let lines = (1..=60)
        .map(|i| {
            let description =
                format!("Registration item {i}: annual return and beneficial ownership filing");
            line(i, LineKind::ServiceFee, &description, 1, 10_000)
        })
        .collect();
    let detail = invoice_with(vat_issuer(), InvoiceStatus::Issued, lines);
    let pdf = invoice_pdf(&detail, &CLIENT);
    keep("invoice-60-lines", &pdf);
    let Some(count) = pages(&pdf) else { return };
    assert!(count >= 2, "{count} pages");
    // 60 × R 100.00 = R 6 000.00, plus 15% VAT: R 6 900.00.
    let last = text(&pdf, Some(count)).unwrap();
    assert!(last.contains("R 6 900.00"), "{last}");
    assert!(last.contains(&format!("Page {count} of {count}")), "{last}");
    assert!(last.contains("(continued)"), "{last}");
    let first = text(&pdf, Some(1)).unwrap();
    assert!(first.contains(&format!("Page 1 of {count}")), "{first}");
    assert!(!first.contains("R 6 900.00"), "{first}");
    let all = text(&pdf, None).unwrap();
    for i in [1, 30, 60] {
        assert!(all.contains(&format!("Registration item {i}:")), "line {i}");
    }
}

#[test]
fn names_outside_winansi_and_pdf_specials_never_break_the_document() {
    let mut issuer = vat_issuer();
    issuer["name"] = json!("Šefčovič & Ñandú — Ωmega 合同会社 🚀 (Pty) \\ Ltd");
    issuer["brand_colour"] = json!("#zz0000");
    let lines = vec![line(
        1,
        LineKind::Other,
        "Fee (see \"terms\") \\ 50% – «urgent» ✓",
        1,
        1_000,
    )];
    let detail = invoice_with(issuer, InvoiceStatus::Issued, lines);
    let client = Party {
        name: "Zoë Ångström-Müller 李雷",
        email: None,
        address: Some("Straße 1\r\n\n  \nKöln"),
    };
    let pdf = invoice_pdf(&detail, &client);
    keep("invoice-unicode", &pdf);
    let receipt = receipt_pdf(&detail, &payment(&detail, 1_150, 15, "ref (1)"), &client);
    let Some(invoice) = text(&pdf, None) else {
        return;
    };
    for expected in [
        "Šef?ovi? & Ñandú — ?mega",
        "Zoë Ångström-Müller ??",
        "Straße 1",
        "Köln",
        "Fee (see \"terms\") \\ 50% – «urgent» ?",
    ] {
        assert!(
            invoice.contains(expected),
            "{expected:?} missing from:\n{invoice}"
        );
    }
    let receipt = text(&receipt, None).unwrap();
    assert!(receipt.contains("ref (1)"), "{receipt}");
}
