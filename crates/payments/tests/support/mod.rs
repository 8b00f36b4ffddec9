//! What the payments tests share: an app that takes payments (PayFast's and Stripe's
//! stand-ins), agencies with an administrator and an agent, both providers connected, a VAT
//! vendor's billing details, a price, and a client's registration with its invoice issued.

use comply360_domain::IsolationMode;
use comply360_testkit::payments::{PaymentsApp, payments_app};
use comply360_testkit::{TestDb, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Env {
    pub pa: PaymentsApp,
    pub db: TestDb,
    pub http: reqwest::Client,
}

pub async fn env() -> Env {
    let db = TestDb::new().await;
    let pa = payments_app(db.store.clone()).await;
    Env {
        pa,
        db,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

pub struct Agency {
    pub slug: String,
    pub admin: String,
    pub agent: String,
}

/// An issued invoice: its id, the pay link's token, the total.
pub struct Issued {
    pub id: String,
    pub registration: String,
    pub token: String,
    pub total_cents: i64,
}

impl Env {
    pub async fn agency(&self, slug: &str, mode: IsolationMode) -> Agency {
        self.db.tenant(slug, mode).await;
        let app = &self.pa.app;
        let boss = format!("boss@{slug}.example");
        app.create_user(slug, &boss, "tenant_admin").await;
        let agent = format!("thandi@{slug}.example");
        app.create_user(slug, &agent, "agent").await;
        let a = Agency {
            slug: slug.to_owned(),
            admin: app.login(slug, &boss).await,
            agent: app.login(slug, &agent).await,
        };
        let admin = a.admin.clone();
        let payfast = self.pa.payfast.payfast_config(None).unwrap();
        self.ok(
            &a,
            &admin,
            Method::PUT,
            "/api/v1/payment-providers/payfast",
            Some(json!({
            "merchant_id": payfast.merchant_id, "merchant_key": payfast.merchant_key,
            "passphrase": payfast.passphrase.as_ref().unwrap().expose(), "sandbox": true})),
        )
        .await;
        let stripe = self.pa.stripe.stripe_config();
        self.ok(&a, &admin, Method::PUT, "/api/v1/payment-providers/stripe", Some(json!({
            "secret_key": stripe.secret_key.expose(), "webhook_secret": stripe.webhook_secret.expose()})))
            .await;
        self.ok(
            &a,
            &admin,
            Method::PUT,
            "/api/v1/billing-settings",
            Some(json!({
            "legal_name": format!("{slug} Corporate Services (Pty) Ltd"), "vat_vendor": true,
            "vat_number": "4123456789", "terms_days": 7, "bank_details": "FNB 62000000000"})),
        )
        .await;
        for kind in ["za_name_reservation", "za_private_company"] {
            self.ok(
                &a,
                &admin,
                Method::POST,
                "/api/v1/prices",
                Some(json!({
                "kind": kind, "amount_cents": 100_000})),
            )
            .await;
        }
        a
    }

    pub async fn call(
        &self,
        a: &Agency,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        http::call(&self.http, &self.pa.app, &a.slug, token, method, path, body).await
    }

    pub async fn ok(
        &self,
        a: &Agency,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        http::ok(&self.http, &self.pa.app, &a.slug, token, method, path, body).await
    }

    /// A client's draft incorporation of a private company (standard MOI, no reserved
    /// name: CIPC's R125); its id.
    pub async fn registration(&self, a: &Agency, surname: &str) -> String {
        let c = self
            .ok(
                a,
                &a.agent,
                Method::POST,
                "/api/v1/clients",
                Some(json!({
                "kind": "person", "first_names": "Naledi", "surname": surname,
                "email": format!("naledi.{}@example.co.za", surname.to_lowercase())})),
            )
            .await;
        let r = self
            .ok(
                a,
                &a.agent,
                Method::POST,
                "/api/v1/registrations",
                Some(json!({
                "client_id": c["id"], "kind": "za_private_company"})),
            )
            .await;
        r["id"].as_str().unwrap().to_owned()
    }

    /// A registration with its invoice drawn up and issued by the agent.
    pub async fn issued(&self, a: &Agency, surname: &str) -> Issued {
        let registration = self.registration(a, surname).await;
        let draft = self
            .ok(
                a,
                &a.agent,
                Method::POST,
                "/api/v1/invoices",
                Some(json!({"registration_id": registration})),
            )
            .await;
        let id = draft["id"].as_str().unwrap().to_owned();
        let issued = self
            .ok(
                a,
                &a.agent,
                Method::POST,
                &format!("/api/v1/invoices/{id}/issue"),
                None,
            )
            .await;
        let url = issued["pay_url"].as_str().unwrap();
        let token = url.rsplit('/').next().unwrap().to_owned();
        Issued {
            id,
            registration,
            token,
            total_cents: issued["invoice"]["total_cents"].as_i64().unwrap(),
        }
    }

    pub async fn invoice(&self, a: &Agency, id: &str) -> Value {
        self.ok(
            a,
            &a.admin,
            Method::GET,
            &format!("/api/v1/invoices/{id}"),
            None,
        )
        .await
    }

    /// Starts a checkout through the public pay link API.
    pub async fn checkout(&self, a: &Agency, token: &str, provider: &str) -> Value {
        let res = self
            .http
            .post(
                self.pa
                    .app
                    .url(&format!("/api/v1/pay/{}/{token}/checkout", a.slug)),
            )
            .json(&json!({"provider": provider}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "checkout with {provider}");
        res.json().await.unwrap()
    }

    /// Starts a Stripe checkout through the pay link; the Checkout Session's id.
    pub async fn stripe_session(&self, a: &Agency, token: &str) -> String {
        let answer = self.checkout(a, token, "stripe").await;
        answer["redirect_url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    }

    /// Pays through Stripe's hosted page (the webhook goes wherever the stand-in points);
    /// the Checkout Session's id.
    pub async fn pay_with_stripe(&self, a: &Agency, token: &str) -> String {
        let session = self.stripe_session(a, token).await;
        self.pa.stripe.complete(&session).await.unwrap();
        session
    }

    /// Points the Stripe stand-in's webhooks at `a`'s endpoint.
    pub fn stripe_to(&self, a: &Agency) {
        self.pa.stripe.set_webhook_url(Some(
            url::Url::parse(
                &self
                    .pa
                    .app
                    .url(&format!("/api/v1/webhooks/stripe/{}", a.slug)),
            )
            .unwrap(),
        ));
    }

    pub async fn run_jobs(&self, a: &Agency) -> usize {
        self.pa.app.run_jobs(&a.slug).await
    }

    /// The agency's rows of a payments table matching `filter` (SQL after WHERE).
    pub async fn count(&self, a: &Agency, table: &str, filter: &str) -> i64 {
        let t = self.db.store.tenancy().resolve(&a.slug).await.unwrap();
        let mut tx = self.db.store.tenancy().begin(&t).await.unwrap();
        let sql = format!("SELECT count(*) FROM {table} WHERE {filter}");
        let (n,): (i64,) = tx.query_as(&sql).fetch_one(tx.conn()).await.unwrap();
        tx.rollback().await.unwrap();
        n
    }
}
