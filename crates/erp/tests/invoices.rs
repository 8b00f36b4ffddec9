//! Invoices in the agency's Odoo, with both protocols: an issued invoice becomes one posted
//! customer invoice with our number, its lines (VAT as Odoo's 15% sales tax) and the client's
//! contact; a payment recorded in Comply360 is registered against it and Odoo shows it paid;
//! the jobs run again, or the events redelivered, change nothing; a voided invoice is cancelled
//! in Odoo; a refund becomes a posted credit note reversing the invoice.

use crate::support::{Agency, Env, env, odoo, records_with};
use comply360_domain::IsolationMode;
use comply360_integrations::odoo::OdooProtocol;
use reqwest::Method;
use serde_json::{Value, json};

/// A VAT vendor with prices; the agency sends invoices.
async fn billing(env: &Env, a: &Agency) {
    env.ok(
        a,
        Method::PUT,
        "/api/v1/billing-settings",
        Some(json!({
            "legal_name": format!("{} Corporate Services (Pty) Ltd", a.slug), "vat_vendor": true,
            "vat_number": "4123456789", "terms_days": 7, "bank_details": "FNB 62000000000"})),
    )
    .await;
    for kind in ["za_name_reservation", "za_private_company"] {
        env.ok(
            a,
            Method::POST,
            "/api/v1/prices",
            Some(json!({"kind": kind, "amount_cents": 100_000})),
        )
        .await;
    }
}

/// An incorporation for `client`, invoiced and issued: (id, number, total in cents).
async fn issued(env: &Env, a: &Agency, client: &str) -> (String, String, i64) {
    let r = env
        .ok(
            a,
            Method::POST,
            "/api/v1/registrations",
            Some(json!({"client_id": client, "kind": "za_private_company"})),
        )
        .await;
    let draft = env
        .ok(
            a,
            Method::POST,
            "/api/v1/invoices",
            Some(json!({"registration_id": r["id"]})),
        )
        .await;
    let id = draft["id"].as_str().unwrap().to_owned();
    let issued = env
        .ok(
            a,
            Method::POST,
            &format!("/api/v1/invoices/{id}/issue"),
            None,
        )
        .await;
    let invoice = &issued["invoice"];
    (
        id,
        invoice["number"].as_str().unwrap().to_owned(),
        invoice["total_cents"].as_i64().unwrap(),
    )
}

/// Emits `event_type` for the invoice again, as a redelivery would.
async fn redeliver(env: &Env, a: &Agency, event_type: &'static str, payload: Value) {
    let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
    let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
    env.app
        .state
        .outbox
        .emit(
            &mut tx,
            comply360_jobs::NewEvent::new(event_type, "invoice").payload(payload),
        )
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_issued_invoice_is_posted_paid_and_voided_in_odoo_once_with_both_protocols() {
    let env = env().await;
    for (protocol, mode) in [
        (OdooProtocol::Json2, IsolationMode::Pooled),
        (OdooProtocol::XmlRpc, IsolationMode::Schema),
    ] {
        let odoo = odoo("19.0", false).await;
        let a = env.agency(&format!("inv-{protocol}"), mode).await;
        env.connect(&a, &odoo, protocol).await;
        billing(&env, &a).await;
        let client = env.client(&a, "Umoya Bakers").await;
        let (invoice, number, total) = issued(&env, &a, &client).await;
        env.settle(&a).await;

        let partner = records_with(&odoo, "res.partner", "name", &json!("Umoya Bakers"));
        assert_eq!(partner.len(), 1, "{partner:?}");
        let moves = records_with(&odoo, "account.move", "ref", &json!(number));
        assert_eq!(moves.len(), 1, "{moves:?}");
        let mv = &moves[0];
        assert_eq!(mv["move_type"], "out_invoice");
        assert_eq!(mv["state"], "posted", "{mv:?}");
        assert_eq!(mv["partner_id"], partner[0]["id"]);
        assert_eq!(mv["payment_reference"], json!(number));
        assert!(
            mv["name"].as_str().unwrap().starts_with("INV/"),
            "Odoo numbers it when posted: {mv:?}"
        );
        let move_id = mv["id"].as_i64().unwrap();
        // Our lines, tax-exclusive in rands, VAT as Odoo's 15% tax; the totals agree.
        let detail = env
            .ok(
                &a,
                Method::GET,
                &format!("/api/v1/invoices/{invoice}"),
                None,
            )
            .await;
        let ours = detail["lines"].as_array().unwrap();
        let lines = records_with(&odoo, "account.move.line", "move_id", &json!(move_id));
        assert_eq!(lines.len(), ours.len(), "{lines:?}");
        let vat =
            records_with(&odoo, "account.tax", "type_tax_use", &json!("sale"))[0]["id"].clone();
        for (line, our) in lines.iter().zip(ours) {
            assert_eq!(line["name"], our["description"]);
            assert_eq!(
                line["price_unit"].as_f64().unwrap(),
                our["unit_cents"].as_i64().unwrap() as f64 / 100.0
            );
            let taxed = our["vat_rate_bp"].as_i64().unwrap() > 0;
            assert_eq!(
                line["tax_ids"],
                if taxed { json!([vat]) } else { json!([]) }
            );
        }
        let read = |odoo: &comply360_integrations::odoo::StandInHandle| {
            let config = odoo.odoo_config(protocol);
            async move {
                let client =
                    comply360_integrations::odoo::OdooClient::new(config, reqwest::Client::new());
                client
                    .read(
                        "account.move",
                        &[move_id],
                        &["amount_total", "amount_residual", "payment_state"],
                    )
                    .await
                    .unwrap()
                    .remove(0)
            }
        };
        let before = read(&odoo).await;
        assert_eq!(
            before["amount_total"].as_f64().unwrap(),
            total as f64 / 100.0,
            "{before:?}"
        );
        assert_eq!(before["payment_state"], "not_paid");

        // A payment recorded here is registered there, and the invoice is paid.
        let payment = env
            .ok(
                &a,
                Method::POST,
                &format!("/api/v1/invoices/{invoice}/payments"),
                Some(json!({"method": "eft", "amount_cents": total, "reference": "FNB UMOYA"})),
            )
            .await;
        env.settle(&a).await;
        let payments = odoo.records("account.payment");
        assert_eq!(payments.len(), 1, "{payments:?}");
        assert_eq!(
            payments[0]["amount"].as_f64().unwrap(),
            total as f64 / 100.0
        );
        assert_eq!(payments[0]["partner_id"], partner[0]["id"]);
        assert_eq!(payments[0]["payment_type"], "inbound");
        assert!(
            payments[0]["memo"].as_str().unwrap().contains(&number),
            "{payments:?}"
        );
        let after = read(&odoo).await;
        assert_eq!(after["payment_state"], "paid", "{after:?}");
        assert_eq!(after["amount_residual"].as_f64(), Some(0.0));

        // Redelivered events and jobs run again change nothing.
        redeliver(&env, &a, "invoice.issued", json!({"invoice_id": invoice})).await;
        redeliver(
            &env,
            &a,
            "payment.received",
            json!({"invoice_id": invoice, "payment_id": payment["id"]}),
        )
        .await;
        env.settle(&a).await;
        env.settle(&a).await;
        assert_eq!(odoo.records("account.move").len(), 1);
        assert_eq!(odoo.records("account.payment").len(), 1);
        assert_eq!(odoo.calls("account.move", "action_post"), 1);
        assert_eq!(
            records_with(&odoo, "res.partner", "name", &json!("Umoya Bakers")).len(),
            1
        );

        // A second invoice, unpaid and voided: cancelled in Odoo.
        let (second, second_number, _) = issued(&env, &a, &client).await;
        env.settle(&a).await;
        env.ok(
            &a,
            Method::POST,
            &format!("/api/v1/invoices/{second}/void"),
            Some(json!({"reason": "issued to the wrong client"})),
        )
        .await;
        env.settle(&a).await;
        let voided = records_with(&odoo, "account.move", "ref", &json!(second_number));
        assert_eq!(voided.len(), 1, "{voided:?}");
        assert_eq!(voided[0]["state"], "cancel");
        assert_eq!(odoo.records("account.move").len(), 2);
        assert_eq!(odoo.records("account.payment").len(), 1);

        // Everything synced, nothing failed.
        let state = env
            .ok(&a, Method::GET, "/api/v1/integrations/odoo/sync", None)
            .await;
        assert!(state["failures"].as_array().unwrap().is_empty(), "{state}");
        let counts = state["counts"].to_string();
        assert!(counts.contains("\"invoice\""), "{counts}");
        assert!(counts.contains("\"payment\""), "{counts}");
    }
}

#[tokio::test]
async fn a_refund_is_a_posted_credit_note_reversing_the_invoice() {
    let env = env().await;
    let odoo = odoo("19.0", false).await;
    let a = env.agency("inv-refund", IsolationMode::Pooled).await;
    env.connect(&a, &odoo, OdooProtocol::Json2).await;
    billing(&env, &a).await;
    let client = env.client(&a, "Umoya Bakers").await;
    let (invoice, number, total) = issued(&env, &a, &client).await;
    let payment = env
        .ok(
            &a,
            Method::POST,
            &format!("/api/v1/invoices/{invoice}/payments"),
            Some(json!({"method": "eft", "amount_cents": total, "reference": "FNB UMOYA"})),
        )
        .await;
    env.settle(&a).await;
    let refund = env
        .ok(
            &a,
            Method::POST,
            &format!("/api/v1/invoices/{invoice}/refunds"),
            Some(json!({"payment_id": payment["id"], "amount_cents": 11_500,
                "reason": "the name was refused; part of the fee is refunded"})),
        )
        .await;
    env.settle(&a).await;
    env.settle(&a).await;
    let invoice_move = records_with(&odoo, "account.move", "ref", &json!(number));
    let refunds = records_with(&odoo, "account.move", "move_type", &json!("out_refund"));
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0]["state"], "posted");
    assert_eq!(refunds[0]["ref"], refund["number"]);
    assert_eq!(refunds[0]["reversed_entry_id"], invoice_move[0]["id"]);
    let config = odoo.odoo_config(OdooProtocol::Json2);
    let client = comply360_integrations::odoo::OdooClient::new(config, reqwest::Client::new());
    let read = client
        .read(
            "account.move",
            &[refunds[0]["id"].as_i64().unwrap()],
            &["amount_total"],
        )
        .await
        .unwrap();
    assert_eq!(
        read[0]["amount_total"].as_f64(),
        Some(115.0),
        "Odoo's total is the credit note's: {read:?}"
    );
    assert_eq!(odoo.records("account.move").len(), 2);
}
