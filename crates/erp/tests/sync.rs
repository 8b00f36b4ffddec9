//! The sync against the Odoo stand-in over real HTTP, with both protocols: a client, a
//! registration through its states and an approved commission appear in Odoo exactly once
//! each (replays update, never duplicate); without the custom model, a vendor bill; Odoo
//! stopped mid-stream: requests keep succeeding, the circuit opens, and when Odoo is back
//! everything is synced once; a record deleted in Odoo is found by reconcile and restored
//! by its fix.

use crate::support::{env, odoo, records_with};
use comply360_domain::IsolationMode;
use comply360_integrations::odoo::{COMMISSION_MODEL, OdooProtocol};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn a_client_a_registration_and_a_commission_appear_once_with_both_protocols() {
    let env = env().await;
    for (protocol, mode) in [
        (OdooProtocol::Json2, IsolationMode::Pooled),
        (OdooProtocol::XmlRpc, IsolationMode::Schema),
    ] {
        let odoo = odoo("19.0", true).await;
        let a = env.agency(&format!("sync-{protocol}"), mode).await;
        env.connect(&a, &odoo, protocol).await;
        let report = env
            .ok(&a, Method::POST, "/api/v1/integrations/odoo/test", None)
            .await;
        assert_eq!(report["server_version"], "19.0", "{report}");
        assert_eq!(report["login"], "admin");
        assert_eq!(report["protocol"], protocol.as_str());
        assert!(
            report["commissions_as"]
                .as_str()
                .unwrap()
                .contains("custom"),
            "{report}"
        );
        // The key is never shown again.
        let shown = env
            .ok(&a, Method::GET, "/api/v1/integrations/odoo", None)
            .await;
        assert_eq!(shown["api_key"], "(set)");
        assert!(
            !shown
                .to_string()
                .contains(odoo.odoo_config(protocol).api_key.expose())
        );

        env.rules(&a).await;
        let client = env.client(&a, "Umoya Bakers").await;
        // The registration through its states: one opportunity, its stage following.
        let registration = env.submitted(&a, &client, "Umoya Bakers (Pty) Ltd").await;
        env.settle(&a).await;
        let stage =
            |name: &str| records_with(&odoo, "crm.stage", "name", &json!(name))[0]["id"].clone();
        let leads = odoo.records("crm.lead");
        assert_eq!(leads.len(), 1, "{leads:?}");
        assert_eq!(
            leads[0]["stage_id"],
            stage("Proposition"),
            "a submitted registration is a proposition"
        );
        env.approve(&a, &registration, "Umoya Bakers (Pty) Ltd")
            .await;
        env.settle(&a).await;
        env.approve_commissions(&a).await;
        env.settle(&a).await;

        let partners = records_with(&odoo, "res.partner", "name", &json!("Umoya Bakers"));
        assert_eq!(partners.len(), 1, "{partners:?}");
        assert_eq!(partners[0]["is_company"], true);
        let leads = odoo.records("crm.lead");
        assert_eq!(leads.len(), 1, "{leads:?}");
        assert_eq!(leads[0]["partner_id"], partners[0]["id"]);
        assert_eq!(leads[0]["expected_revenue"].as_f64(), Some(1500.0));
        assert!(
            leads[0]["name"].as_str().unwrap().contains("Umoya Bakers"),
            "{leads:?}"
        );
        let won = records_with(&odoo, "crm.stage", "name", &json!("Won"));
        assert_eq!(
            leads[0]["stage_id"], won[0]["id"],
            "an approved registration is won"
        );
        let commissions = odoo.records(COMMISSION_MODEL);
        assert_eq!(commissions.len(), 1, "{commissions:?}");
        assert_eq!(commissions[0]["x_amount"].as_f64(), Some(150.0));
        assert_eq!(commissions[0]["x_status"], "approved");
        assert!(
            odoo.records("account.move").is_empty(),
            "no vendor bill when the custom model exists"
        );

        // Replays (a reconcile fix, a redelivery) update the same records.
        for (entity, id) in [("client", &client), ("registration", &registration)] {
            let tenant = env.app.store.tenancy().resolve(&a.slug).await.unwrap();
            let mut tx = env.app.store.tenancy().begin(&tenant).await.unwrap();
            env.app
                .state
                .outbox
                .emit(
                    &mut tx,
                    comply360_jobs::NewEvent::new("integration.sync_requested", "integration")
                        .payload(json!({"entity": entity, "entity_id": id})),
                )
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        env.settle(&a).await;
        assert_eq!(
            records_with(&odoo, "res.partner", "name", &json!("Umoya Bakers")).len(),
            1
        );
        assert_eq!(odoo.records("crm.lead").len(), 1);
        assert_eq!(odoo.records(COMMISSION_MODEL).len(), 1);
        // The sync state: everything synced, nothing failed.
        let state = env
            .ok(&a, Method::GET, "/api/v1/integrations/odoo/sync", None)
            .await;
        assert!(state["failures"].as_array().unwrap().is_empty(), "{state}");
        let synced: i64 = state["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["synced"].as_i64().unwrap())
            .sum();
        assert_eq!(
            synced, 4,
            "client, agent, registration, commission: {state}"
        );
        // Reconcile agrees.
        let report = env
            .ok(
                &a,
                Method::POST,
                "/api/v1/integrations/odoo/reconcile",
                None,
            )
            .await;
        assert_eq!(report["differences"], json!([]), "{report}");
    }
}

#[tokio::test]
async fn without_the_custom_model_an_approved_commission_is_a_vendor_bill() {
    let env = env().await;
    let odoo = odoo("18.0", false).await;
    let a = env.agency("sync-bill", IsolationMode::Database).await;
    env.connect(&a, &odoo, OdooProtocol::XmlRpc).await;
    env.rules(&a).await;
    let client = env.client(&a, "Karoo Wind").await;
    env.approved(&a, &client, "Karoo Wind (Pty) Ltd").await;
    env.settle(&a).await;
    env.approve_commissions(&a).await;
    env.settle(&a).await;
    let bills = odoo.records("account.move");
    assert_eq!(bills.len(), 1, "{bills:?}");
    assert_eq!(bills[0]["move_type"], "in_invoice");
    let agent = records_with(
        &odoo,
        "res.partner",
        "email",
        &json!("thandi@sync-bill.example"),
    );
    assert_eq!(agent.len(), 1);
    assert_eq!(bills[0]["partner_id"], agent[0]["id"]);
    let lines = odoo.records("account.move.line");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["price_unit"].as_f64(), Some(150.0));
    // Paying it in Comply360 does not write a second bill.
    let paid = env
        .ok(&a, Method::GET, "/api/v1/commissions?status=approved", None)
        .await;
    let id = paid["items"][0]["id"].as_str().unwrap().to_owned();
    env.ok(
        &a,
        Method::POST,
        &format!("/api/v1/commissions/{id}/pay"),
        Some(json!({"payment_reference": "EFT 7"})),
    )
    .await;
    env.settle(&a).await;
    assert_eq!(odoo.records("account.move").len(), 1);
    // JSON-2 against an Odoo 18: the test says why.
    env.connect(&a, &odoo, OdooProtocol::Json2).await;
    let (status, body) = env
        .call(&a, Method::POST, "/api/v1/integrations/odoo/test", None)
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert_eq!(body["code"], "odoo_refused");
}

#[tokio::test]
async fn odoo_down_mid_stream_fails_no_request_and_everything_syncs_once_when_back() {
    let env = env().await;
    let mut odoo = odoo("19.0", true).await;
    let a = env.agency("sync-down", IsolationMode::Pooled).await;
    env.connect(&a, &odoo, OdooProtocol::Json2).await;
    let first = env.client(&a, "Before The Outage").await;
    env.settle(&a).await;
    assert_eq!(odoo.records("res.partner").len(), 1);

    odoo.stop().await;
    let mut names = Vec::new();
    for i in 0..5 {
        let name = format!("During The Outage {i}");
        env.client(&a, &name).await; // 201 each: Odoo is not on the request's path
        names.push(name);
    }
    env.ok(
        &a,
        Method::PATCH,
        &format!("/api/v1/clients/{first}"),
        Some(json!({"email": "new@outage.example"})),
    )
    .await;
    env.app.run_jobs(&a.slug).await;
    env.app.run_jobs(&a.slug).await;
    // The circuit opened: later jobs were not even attempted, and say so.
    let state = env
        .ok(&a, Method::GET, "/api/v1/integrations/odoo/sync", None)
        .await;
    let errors: Vec<&str> = state["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["last_error"].as_str().unwrap())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("circuit open")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("could not reach")
            || e.contains("unreachable")
            || e.contains("connect")),
        "{errors:?}"
    );

    odoo.restart().await.unwrap();
    comply360_testkit::eventually(
        "every client in Odoo once",
        crate::support::SETTLE,
        || async {
            env.settle(&a).await;
            let partners = odoo.records("res.partner");
            if partners.len() == 6 {
                Ok(())
            } else {
                Err(format!("{} partners", partners.len()))
            }
        },
    )
    .await;
    for name in &names {
        assert_eq!(
            records_with(&odoo, "res.partner", "name", &json!(name)).len(),
            1,
            "{name}"
        );
    }
    assert_eq!(
        records_with(&odoo, "res.partner", "email", &json!("new@outage.example")).len(),
        1
    );
    let state = env
        .ok(&a, Method::GET, "/api/v1/integrations/odoo/sync", None)
        .await;
    assert!(state["failures"].as_array().unwrap().is_empty(), "{state}");
}

#[tokio::test]
async fn reconcile_finds_what_was_deleted_or_edited_in_odoo_and_the_fix_restores_it() {
    let env = env().await;
    let odoo = odoo("19.0", false).await;
    let a = env.agency("sync-recon", IsolationMode::Schema).await;
    env.connect(&a, &odoo, OdooProtocol::Json2).await;
    let kept = env.client(&a, "Kept Client").await;
    let lost = env.client(&a, "Deleted In Odoo").await;
    env.settle(&a).await;
    let deleted = records_with(&odoo, "res.partner", "name", &json!("Deleted In Odoo"));
    assert!(odoo.delete("res.partner", deleted[0]["id"].as_i64().unwrap()));
    // Someone edits the other one in Odoo.
    let edited = records_with(&odoo, "res.partner", "name", &json!("Kept Client"))[0]["id"]
        .as_i64()
        .unwrap();
    let client = comply360_integrations::odoo::OdooClient::new(
        odoo.odoo_config(OdooProtocol::Json2),
        reqwest::Client::new(),
    );
    let mut vals = serde_json::Map::new();
    vals.insert("email".into(), json!("changed@odoo.example"));
    client.write("res.partner", &[edited], vals).await.unwrap();

    let report = env
        .ok(
            &a,
            Method::POST,
            "/api/v1/integrations/odoo/reconcile",
            None,
        )
        .await;
    let differences = report["differences"].as_array().unwrap();
    let of = |id: &str| {
        differences
            .iter()
            .find(|d| d["entity_id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(of(&lost)["kind"], "deleted", "{report}");
    assert_eq!(of(&kept)["kind"], "changed", "{report}");
    assert!(
        of(&kept)["detail"].as_str().unwrap().contains("email"),
        "{report}"
    );
    assert_eq!(report["requeued"], 0);

    let report = env
        .ok(
            &a,
            Method::POST,
            "/api/v1/integrations/odoo/reconcile?fix=true",
            None,
        )
        .await;
    assert_eq!(report["requeued"], 2, "{report}");
    env.settle(&a).await;
    assert_eq!(
        records_with(&odoo, "res.partner", "name", &json!("Deleted In Odoo")).len(),
        1,
        "restored"
    );
    assert_eq!(
        records_with(
            &odoo,
            "res.partner",
            "email",
            &json!("office@umoya.example")
        )
        .len(),
        2,
        "the edit undone"
    );
    let report = env
        .ok(
            &a,
            Method::POST,
            "/api/v1/integrations/odoo/reconcile",
            None,
        )
        .await;
    assert_eq!(report["differences"], json!([]), "{report}");
}

#[tokio::test]
async fn odoos_refusals_and_settings_that_do_not_fit_are_reported_in_words() {
    let env = env().await;
    let odoo = odoo("19.0", false).await;
    let a = env.agency("sync-words", IsolationMode::Pooled).await;
    env.connect(&a, &odoo, OdooProtocol::Json2).await;
    // A stage this Odoo does not have: the registration's sync says so, the client's works.
    env.ok(
        &a,
        Method::PUT,
        "/api/v1/integrations/odoo",
        Some(json!({
            "base_url": odoo.base_url().as_str(), "database": "comply360", "login": "admin",
            "stages": {"submitted": "Negotiation"},
        })),
    )
    .await;
    let client = env.client(&a, "Words Matter").await;
    env.submitted(&a, &client, "Words Matter (Pty) Ltd").await;
    env.settle(&a).await;
    let state = env
        .ok(&a, Method::GET, "/api/v1/integrations/odoo/sync", None)
        .await;
    let failures = state["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{state}");
    assert_eq!(failures[0]["entity"], "registration");
    assert!(
        failures[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("Odoo has no CRM stage named \"Negotiation\""),
        "{state}"
    );
    assert_eq!(
        records_with(&odoo, "res.partner", "name", &json!("Words Matter")).len(),
        1
    );
    // A key Odoo refuses: the test connection names Odoo's own message.
    env.ok(&a, Method::PUT, "/api/v1/integrations/odoo", Some(json!({
        "base_url": odoo.base_url().as_str(), "database": "comply360", "login": "admin", "api_key": "not-the-key",
    }))).await;
    let (status, body) = env
        .call(&a, Method::POST, "/api/v1/integrations/odoo/test", None)
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("Invalid apikey"),
        "{body}"
    );
    // Bad settings: each field named.
    let (status, body) = env
        .call(
            &a,
            Method::PUT,
            "/api/v1/integrations/odoo",
            Some(json!({"base_url": "odoo", "protocol": "soap", "stages": {"won": "Won"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["base_url", "database", "login", "protocol", "stages.won"] {
        assert!(fields.contains(&f), "{f}: {body}");
    }
}
