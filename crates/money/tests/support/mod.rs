//! What the money tests share: an app on a fresh database, agencies with an administrator and
//! two agents, and the few steps every test takes (a client, a registration taken to approval).

use comply360_domain::IsolationMode;
use comply360_testkit::{TestApp, TestDb, http, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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

pub struct User {
    pub id: String,
    pub token: String,
}

pub struct Agency {
    pub slug: String,
    pub admin: User,
    pub agent: User,
    pub other_agent: User,
}

impl Env {
    async fn user(&self, slug: &str, name: &str, role: &str) -> User {
        let email = format!("{name}@{slug}.example");
        let id = self.app.create_user(slug, &email, role).await;
        User {
            id: id.to_string(),
            token: self.app.login(slug, &email).await,
        }
    }

    pub async fn agency(&self, slug: &str, mode: IsolationMode) -> Agency {
        self.db.tenant(slug, mode).await;
        Agency {
            slug: slug.to_owned(),
            admin: self.user(slug, "boss", "tenant_admin").await,
            agent: self.user(slug, "thandi", "agent").await,
            other_agent: self.user(slug, "sipho", "agent").await,
        }
    }

    /// Calls the API as `who`; the status and the body (JSON, or the text as a string).
    pub async fn call(
        &self,
        a: &Agency,
        who: &User,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        http::call(
            &self.http, &self.app, &a.slug, &who.token, method, path, body,
        )
        .await
    }

    /// Like [`Env::call`], asserting a 2xx answer; the body.
    pub async fn ok(
        &self,
        a: &Agency,
        who: &User,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        http::ok(
            &self.http, &self.app, &a.slug, &who.token, method, path, body,
        )
        .await
    }

    pub async fn client(&self, a: &Agency, surname: &str) -> String {
        let c = self
            .ok(
                a,
                &a.agent,
                Method::POST,
                "/api/v1/clients",
                Some(json!({"kind": "person", "first_names": "Naledi", "surname": surname})),
            )
            .await;
        c["id"].as_str().unwrap().to_owned()
    }

    /// A name reservation for `agent`, submitted and approved (the event the commission job
    /// reacts to is in the outbox; run the jobs to calculate). Its id.
    pub async fn approved_reservation(
        &self,
        a: &Agency,
        agent: &User,
        client: &str,
        name: &str,
    ) -> String {
        let rid = self.submitted_reservation(a, agent, client, name).await;
        self.ok(
            a,
            &a.admin,
            Method::POST,
            &format!("/api/v1/registrations/{rid}/transitions"),
            Some(json!({"action": "approve", "note": "CoR 9.4 received",
                        "outcome": {"reserved_name": name, "reservation_number": "2026123456"}})),
        )
        .await;
        rid
    }

    pub async fn submitted_reservation(
        &self,
        a: &Agency,
        agent: &User,
        client: &str,
        name: &str,
    ) -> String {
        let r = self
            .ok(
                a,
                &a.admin,
                Method::POST,
                "/api/v1/registrations",
                Some(
                    json!({"client_id": client, "kind": "za_name_reservation", "agent_id": agent.id,
                            "steps": {"names": {"company_kind": "private", "names": [name]}}}),
                ),
            )
            .await;
        let rid = r["id"].as_str().unwrap().to_owned();
        self.ok(
            a,
            &a.admin,
            Method::POST,
            &format!("/api/v1/registrations/{rid}/submit"),
            None,
        )
        .await;
        rid
    }

    /// The commissions `who` sees, oldest first.
    pub async fn commissions(&self, a: &Agency, who: &User, query: &str) -> Vec<Value> {
        let page = self
            .ok(
                a,
                who,
                Method::GET,
                &format!("/api/v1/commissions?limit=200{query}"),
                None,
            )
            .await;
        let mut items = page["items"].as_array().unwrap().clone();
        items.reverse();
        items
    }
}
