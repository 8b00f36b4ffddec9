//! What the ERP tests share: an app on a fresh database, an agency with an administrator and
//! an agent, an Odoo stand-in connected to it, and the steps that make records to mirror.

use comply360_domain::IsolationMode;
use comply360_integrations::odoo::{OdooProtocol, OdooStandIn, StandInConfig, StandInHandle};
use comply360_testkit::{TestApp, TestDb, http, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};
use std::time::Duration;

pub struct Env {
    pub app: TestApp,
    pub db: TestDb,
    pub http: reqwest::Client,
}

pub async fn env() -> Env {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    Env {
        app,
        db,
        http: reqwest::Client::new(),
    }
}

pub struct Agency {
    pub slug: String,
    pub admin: String,
    pub agent_id: String,
}

pub async fn odoo(version: &str, commission_model: bool) -> StandInHandle {
    OdooStandIn::start(StandInConfig {
        server_version: version.to_owned(),
        commission_model,
        ..StandInConfig::default()
    })
    .await
    .expect("the Odoo stand-in starts")
}

impl Env {
    pub async fn agency(&self, slug: &str, mode: IsolationMode) -> Agency {
        self.db.tenant(slug, mode).await;
        let email = format!("boss@{slug}.example");
        self.app.create_user(slug, &email, "tenant_admin").await;
        let agent = self
            .app
            .create_user(slug, &format!("thandi@{slug}.example"), "agent")
            .await;
        Agency {
            slug: slug.to_owned(),
            admin: self.app.login(slug, &email).await,
            agent_id: agent.to_string(),
        }
    }

    pub async fn call(
        &self,
        a: &Agency,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        http::call(&self.http, &self.app, &a.slug, &a.admin, method, path, body).await
    }

    pub async fn ok(&self, a: &Agency, method: Method, path: &str, body: Option<Value>) -> Value {
        http::ok(&self.http, &self.app, &a.slug, &a.admin, method, path, body).await
    }

    /// Connects the agency to `odoo` over `protocol`.
    pub async fn connect(&self, a: &Agency, odoo: &StandInHandle, protocol: OdooProtocol) {
        let c = odoo.odoo_config(protocol);
        self.ok(
            a,
            Method::PUT,
            "/api/v1/integrations/odoo",
            Some(json!({
                "base_url": c.base_url.as_str(), "database": c.database, "login": c.login,
                "api_key": c.api_key.expose(), "protocol": protocol.as_str(),
            })),
        )
        .await;
    }

    /// A price and a 10 % rule, so approvals earn commissions.
    pub async fn rules(&self, a: &Agency) {
        self.ok(
            a,
            Method::POST,
            "/api/v1/prices",
            Some(json!({"kind": "za_name_reservation", "amount_cents": 150_000})),
        )
        .await;
        self.ok(
            a,
            Method::POST,
            "/api/v1/commission-rules",
            Some(json!({"basis": "percentage", "rate_bp": 1000})),
        )
        .await;
    }

    pub async fn client(&self, a: &Agency, name: &str) -> String {
        let c = self.ok(a, Method::POST, "/api/v1/clients", Some(json!({"kind": "organisation", "display_name": name, "email": "office@umoya.example"}))).await;
        c["id"].as_str().unwrap().to_owned()
    }

    /// A name reservation for the agent, submitted; its id.
    pub async fn submitted(&self, a: &Agency, client: &str, name: &str) -> String {
        let r = self.ok(a, Method::POST, "/api/v1/registrations", Some(json!({"client_id": client, "kind": "za_name_reservation",
            "agent_id": a.agent_id, "steps": {"names": {"company_kind": "private", "names": [name]}}}))).await;
        let id = r["id"].as_str().unwrap().to_owned();
        self.ok(
            a,
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            None,
        )
        .await;
        id
    }

    /// Approves the submitted reservation `id` of `name`.
    pub async fn approve(&self, a: &Agency, id: &str, name: &str) {
        self.ok(
            a,
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            Some(json!({"action": "approve",
            "outcome": {"reserved_name": name, "reservation_number": "2026123456"}})),
        )
        .await;
    }

    /// A name reservation for the agent, submitted and approved; its id.
    pub async fn approved(&self, a: &Agency, client: &str, name: &str) -> String {
        let r = self.ok(a, Method::POST, "/api/v1/registrations", Some(json!({"client_id": client, "kind": "za_name_reservation",
            "agent_id": a.agent_id, "steps": {"names": {"company_kind": "private", "names": [name]}}}))).await;
        let id = r["id"].as_str().unwrap().to_owned();
        self.ok(
            a,
            Method::POST,
            &format!("/api/v1/registrations/{id}/submit"),
            None,
        )
        .await;
        self.ok(
            a,
            Method::POST,
            &format!("/api/v1/registrations/{id}/transitions"),
            Some(json!({"action": "approve",
            "outcome": {"reserved_name": name, "reservation_number": "2026123456"}})),
        )
        .await;
        id
    }

    /// Runs the agency's jobs until none is due, making retries due at once (their backoff is
    /// what is being waited out, not the point of these tests).
    pub async fn settle(&self, a: &Agency) {
        for _ in 0..20 {
            let tenant = self.app.store.tenancy().resolve(&a.slug).await.unwrap();
            let mut tx = self.app.store.tenancy().begin(&tenant).await.unwrap();
            tx.query("UPDATE jobs SET run_at = now() WHERE tenant_id = $1 AND state = 'queued'")
                .bind(tenant.id().as_uuid())
                .execute(tx.conn())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            if self.app.run_jobs(&a.slug).await == 0 {
                return;
            }
        }
    }

    /// The agency's only commission, approved.
    pub async fn approve_commissions(&self, a: &Agency) -> Vec<String> {
        let page = self
            .ok(a, Method::GET, "/api/v1/commissions?status=pending", None)
            .await;
        let ids: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        if !ids.is_empty() {
            self.ok(
                a,
                Method::POST,
                "/api/v1/commissions/bulk",
                Some(json!({"action": "approve", "ids": ids})),
            )
            .await;
        }
        ids
    }
}

/// The stand-in's records of `model` carrying `field == value`.
pub fn records_with(
    odoo: &StandInHandle,
    model: &str,
    field: &str,
    value: &Value,
) -> Vec<Map<String, Value>> {
    odoo.records(model)
        .into_iter()
        .filter(|r| r.get(field) == Some(value))
        .collect()
}

pub const SETTLE: Duration = Duration::from_secs(20);
