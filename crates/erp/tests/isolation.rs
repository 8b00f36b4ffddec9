//! Tenant isolation of the Odoo sync in every mode: each agency's records go to its own Odoo
//! only, with its own settings (A's settings never serve B), and `odoo_links` shows and
//! accepts only the agency's own rows.

use crate::support::{env, odoo, records_with};
use comply360_domain::IsolationMode;
use comply360_integrations::odoo::OdooProtocol;
use comply360_testkit::isolation;
use reqwest::Method;
use serde_json::json;

async fn suite(mode: IsolationMode) {
    let env = env().await;
    let odoo_a = odoo("19.0", false).await;
    let odoo_b = odoo("19.0", false).await;
    let a = env.agency(&format!("erp-a-{mode}"), mode).await;
    let b = env.agency(&format!("erp-b-{mode}"), mode).await;
    env.connect(&a, &odoo_a, OdooProtocol::Json2).await;
    env.connect(&b, &odoo_b, OdooProtocol::XmlRpc).await;
    env.client(&a, "Only In A").await;
    env.client(&b, "Only In B").await;
    env.settle(&a).await;
    env.settle(&b).await;
    assert_eq!(
        records_with(&odoo_a, "res.partner", "name", &json!("Only In A")).len(),
        1,
        "{mode}"
    );
    assert!(
        records_with(&odoo_a, "res.partner", "name", &json!("Only In B")).is_empty(),
        "{mode}"
    );
    assert_eq!(
        records_with(&odoo_b, "res.partner", "name", &json!("Only In B")).len(),
        1,
        "{mode}"
    );
    assert!(
        records_with(&odoo_b, "res.partner", "name", &json!("Only In A")).is_empty(),
        "{mode}"
    );
    // Each agency reads its own settings.
    let a_settings = env
        .ok(&a, Method::GET, "/api/v1/integrations/odoo", None)
        .await;
    assert_eq!(a_settings["base_url"], odoo_a.base_url().as_str(), "{mode}");
    assert_eq!(a_settings["protocol"], "json2");
    let b_settings = env
        .ok(&b, Method::GET, "/api/v1/integrations/odoo", None)
        .await;
    assert_eq!(b_settings["base_url"], odoo_b.base_url().as_str(), "{mode}");
    // A's failures list never names B's records, and A's reconcile sees only A's.
    let report = env
        .ok(
            &a,
            Method::POST,
            "/api/v1/integrations/odoo/reconcile",
            None,
        )
        .await;
    assert_eq!(report["checked"], 1, "{mode}: {report}");
    assert_eq!(report["differences"], json!([]), "{mode}: {report}");

    let store = &env.app.store;
    let ta = store.tenancy().resolve(&a.slug).await.unwrap();
    let tb = store.tenancy().resolve(&b.slug).await.unwrap();
    isolation::sees_only_its_own(store, &ta, &["odoo_links"], mode).await;
    isolation::cannot_write_for(
        store,
        &ta,
        &tb,
        "x",
        &[
            "INSERT INTO odoo_links (tenant_id, entity, entity_id, model, odoo_id, state, synced_at, last_error) VALUES ($1, 'client', gen_random_uuid(), 'res.partner', 1, 'synced', now(), $2)",
            "UPDATE odoo_links SET tenant_id = $1 WHERE $2 <> ''",
        ],
        mode,
    )
    .await;
}

#[tokio::test]
async fn erp_isolation_pooled() {
    suite(IsolationMode::Pooled).await;
}

#[tokio::test]
async fn erp_isolation_schema() {
    suite(IsolationMode::Schema).await;
}

#[tokio::test]
async fn erp_isolation_database() {
    suite(IsolationMode::Database).await;
}
