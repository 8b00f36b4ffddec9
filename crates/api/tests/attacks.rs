//! The attack suite: each attempt is refused with the right status and leaks nothing.

use crate::support::{b64, claims_of, header_of, unb64};
use comply360_domain::IsolationMode;
use comply360_identity::jwt::{self, Claims, KeyMaterial, KeyRing};
use comply360_testkit::http::{Http, problem};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A problem body must not carry tokens, hashes or account data.
fn leaks_nothing(body: &Value, secrets: &[&str]) {
    let text = body.to_string();
    for s in secrets {
        assert!(!text.contains(s), "the refusal leaks {s:?}: {text}");
    }
    for field in ["access_token", "refresh_token", "password_hash", "email"] {
        assert!(
            body.get(field).is_none(),
            "the refusal carries {field}: {text}"
        );
    }
}

#[tokio::test]
async fn forged_and_misused_access_tokens_are_refused() {
    let db = TestDb::new().await;
    db.tenant("atk-a", IsolationMode::Pooled).await;
    db.tenant("atk-b", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let token = app.token_for("atk-a", "tenant_admin").await;
    let me = |t: String| {
        let http = &http;
        async move { http.get(Some("atk-a"), "/api/v1/users", Some(&t)).await }
    };
    // The genuine token works.
    assert_eq!(me(token.clone()).await.status(), StatusCode::OK);

    let header = header_of(&token);
    let claims = claims_of(&token);
    let kid = header["kid"].as_str().unwrap().to_owned();
    let parts: Vec<&str> = token.split('.').collect();

    // alg: none, with and without a signature.
    let none_header = b64(json!({"alg": "none", "typ": "JWT", "kid": kid})
        .to_string()
        .as_bytes());
    for forged in [
        format!("{none_header}.{}.", parts[1]),
        format!("{none_header}.{}.{}", parts[1], parts[2]),
    ] {
        let body = problem(me(forged).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
        leaks_nothing(&body, &[&token]);
    }

    // HS256 keyed with the public key (the algorithm-confusion attack), in each form an
    // attacker could take the key: the raw 32 bytes, and the JWKS text.
    let jwks: Value = reqwest::get(app.url("/.well-known/jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let x = jwks["keys"][0]["x"].as_str().unwrap();
    for secret in [unb64(x), jwks.to_string().into_bytes()] {
        let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        h.kid = Some(kid.clone());
        let forged = jsonwebtoken::encode(
            &h,
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(&secret),
        )
        .unwrap();
        problem(me(forged).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }

    // Tampered payload: promote the role, keep the signature.
    let mut promoted = claims.clone();
    promoted["role"] = json!("super_admin");
    promoted["tid"] = Value::Null;
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(promoted.to_string().as_bytes()),
        parts[2]
    );
    problem(
        me(tampered).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    )
    .await;
    let platform = http
        .get(
            None,
            "/api/v1/platform/tenants",
            Some(&format!(
                "{}.{}.{}",
                parts[0],
                b64(promoted.to_string().as_bytes()),
                parts[2]
            )),
        )
        .await;
    problem(platform, StatusCode::UNAUTHORIZED, "invalid_token").await;

    // Properly signed, but expired / for another audience / from another issuer.
    let keys = app.state.identity.keys();
    let genuine: Claims = serde_json::from_value(claims.clone()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let variants = [
        Claims {
            iat: now - 3600,
            exp: now - 60,
            ..genuine.clone()
        },
        Claims {
            aud: "another-api".into(),
            ..genuine.clone()
        },
        Claims {
            iss: "https://evil.example".into(),
            ..genuine.clone()
        },
    ];
    for claims in variants {
        let t = keys.sign(&claims).unwrap();
        let body = problem(me(t).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
        leaks_nothing(&body, &[&token]);
    }

    // Signed by a key the service does not know (same kid or a new one).
    for kid in [kid.clone(), jwt::new_kid()] {
        let stranger = KeyRing::new(
            vec![KeyMaterial {
                kid,
                private_der: jwt::generate_ed25519(),
                created_at: chrono::Utc::now(),
            }],
            &app.state.identity.settings().issuer,
            &app.state.identity.settings().audience,
        )
        .unwrap();
        let t = stranger.sign(&genuine).unwrap();
        problem(me(t).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    }

    // Not a token at all, and no credential.
    for garbage in ["x", "a.b.c", "Bearer", "' OR '1'='1"] {
        problem(
            me(garbage.into()).await,
            StatusCode::UNAUTHORIZED,
            "invalid_token",
        )
        .await;
    }
    let res = http.get(Some("atk-a"), "/api/v1/users", None).await;
    problem(res, StatusCode::UNAUTHORIZED, "authentication_required").await;

    // Tenant A's genuine token on tenant B's host (or header): 403, nothing of B's shown.
    let res = http
        .client
        .get(app.url("/api/v1/users"))
        .header("host", "atk-b.localhost")
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body = problem(res, StatusCode::FORBIDDEN, "tenant_mismatch").await;
    leaks_nothing(&body, &["atk-b.example"]);
    let res = http.get(Some("atk-b"), "/api/v1/users", Some(&token)).await;
    problem(res, StatusCode::FORBIDDEN, "tenant_mismatch").await;
}

#[tokio::test]
async fn api_keys_are_bound_to_their_tenant_and_scope() {
    let db = TestDb::new().await;
    db.tenant("key-a", IsolationMode::Database).await;
    db.tenant("key-b", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let admin = app.token_for("key-a", "tenant_admin").await;
    let res = http
        .post(
            Some("key-a"),
            "/api/v1/api-keys",
            Some(&admin),
            json!({"name": "ERP sync", "permissions": ["users:read"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("c360_"));

    // Works in its tenant, for its permission only.
    assert_eq!(
        http.get(Some("key-a"), "/api/v1/users", Some(&key))
            .await
            .status(),
        StatusCode::OK
    );
    let res = http
        .get(Some("key-a"), "/api/v1/api-keys", Some(&key))
        .await;
    problem(res, StatusCode::FORBIDDEN, "permission_denied").await;
    // Also as X-Api-Key.
    let res = http
        .client
        .get(app.url("/api/v1/users"))
        .header("x-tenant", "key-a")
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // On tenant B: 403, before B's data is touched.
    let res = http.get(Some("key-b"), "/api/v1/users", Some(&key)).await;
    let body = problem(res, StatusCode::FORBIDDEN, "tenant_mismatch").await;
    leaks_nothing(&body, &[&key]);

    // A key past its expiry: 401.
    let res = http
        .post(
            Some("key-a"),
            "/api/v1/api-keys",
            Some(&admin),
            json!({"name": "short-lived", "permissions": ["users:read"], "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let short: Value = res.json().await.unwrap();
    let short_key = short["key"].as_str().unwrap();
    assert_eq!(
        http.get(Some("key-a"), "/api/v1/users", Some(short_key))
            .await
            .status(),
        StatusCode::OK
    );
    let t = app.store.tenancy().resolve("key-a").await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    tx.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND id = $2")
        .bind(t.id().as_uuid())
        .bind(uuid::Uuid::parse_str(short["id"].as_str().unwrap()).unwrap())
        .execute(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let res = http
        .get(Some("key-a"), "/api/v1/users", Some(short_key))
        .await;
    problem(res, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
    let res = http
        .post(Some("key-a"), "/api/v1/api-keys", Some(&admin), json!({"name": "past", "permissions": ["users:read"], "expires_at": "2001-01-01T00:00:00Z"}))
        .await;
    let body = problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "expires_at");

    // A wrong secret with a real key id, and a revoked key: 401.
    let mut raw = unb64(key.trim_start_matches("c360_"));
    raw[40] ^= 1;
    let wrong = format!("c360_{}", b64(&raw));
    let res = http.get(Some("key-a"), "/api/v1/users", Some(&wrong)).await;
    problem(res, StatusCode::UNAUTHORIZED, "invalid_api_key").await;
    let id = created["id"].as_str().unwrap();
    let res = http
        .send(
            reqwest::Method::DELETE,
            Some("key-a"),
            &format!("/api/v1/api-keys/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = http.get(Some("key-a"), "/api/v1/users", Some(&key)).await;
    problem(res, StatusCode::UNAUTHORIZED, "invalid_api_key").await;

    // The list shows a prefix, never the key or its hash.
    let list: Value = http
        .get(Some("key-a"), "/api/v1/api-keys", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let text = list.to_string();
    assert!(!text.contains(&key[12..]), "{text}");
    let sync = list
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "ERP sync")
        .unwrap();
    assert!(sync["revoked_at"].is_string());
    assert!(
        sync["last_used_at"].is_string(),
        "last use recorded: {list}"
    );
}

#[tokio::test]
async fn a_reused_refresh_token_revokes_its_whole_family() {
    let db = TestDb::new().await;
    db.tenant("fam", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    app.create_user("fam", "thabo@fam.example", "agent").await;
    let first = http.signed_in("fam", "thabo@fam.example").await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();

    let refresh = |t: String| {
        let http = &http;
        async move {
            http.post(
                Some("fam"),
                "/api/v1/auth/refresh",
                None,
                json!({"refresh_token": t}),
            )
            .await
        }
    };
    let second: Value = refresh(r1.clone()).await.json().await.unwrap();
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2, "rotated");
    assert_eq!(
        claims_of(second["access_token"].as_str().unwrap())["sid"],
        claims_of(first["access_token"].as_str().unwrap())["sid"]
    );

    // The stolen r1 is replayed: refused, and the family is revoked...
    let body = problem(
        refresh(r1.clone()).await,
        StatusCode::UNAUTHORIZED,
        "refresh_token_reused",
    )
    .await;
    leaks_nothing(&body, &[&r1, &r2]);
    // ...so the legitimate holder's newer token fails too.
    problem(refresh(r2).await, StatusCode::UNAUTHORIZED, "invalid_token").await;
    // A new sign-in is a new, working family.
    let again = http.signed_in("fam", "thabo@fam.example").await;
    let res = refresh(again["refresh_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(res.status(), StatusCode::OK);

    let t = app.store.tenancy().resolve("fam").await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let reused: i64 = tx
        .query_scalar("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'auth.refresh_token_reused'")
        .bind(t.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let revoked: Option<String> = tx
        .query_scalar(
            "SELECT revoked_reason FROM sessions WHERE tenant_id = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(t.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(reused, 1);
    assert_eq!(revoked.as_deref(), Some("refresh_token_reuse"));
}

#[tokio::test]
async fn brute_force_locks_the_account_then_is_rate_limited() {
    let db = TestDb::new().await;
    db.tenant("brute", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let victim = app
        .create_user("brute", "lerato@brute.example", "agent")
        .await;

    let mut statuses = Vec::new();
    let mut bodies = Vec::new();
    for i in 0..12 {
        // The 6th try uses the right password: the account is locked by then.
        let password = if i == 5 {
            TEST_PASSWORD.to_owned()
        } else {
            format!("guess-{i}-Wrong!")
        };
        let res = http.login("brute", "lerato@brute.example", &password).await;
        statuses.push(res.status().as_u16());
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry: u64 = res.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry >= 1, "Retry-After says when to come back");
        }
        bodies.push(res.json::<Value>().await.unwrap());
    }
    // 10 attempts (the burst) are answered, all refused; then 429.
    assert_eq!(&statuses[..10], &[401; 10], "{statuses:?}");
    assert_eq!(&statuses[10..], &[429, 429], "{statuses:?}");
    // The refusal of the right password on a locked account is word for word the refusal of
    // a wrong one (no oracle), and the same as for an email that does not exist.
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("request_id");
        v
    };
    assert_eq!(strip(bodies[5].clone()), strip(bodies[0].clone()));
    let unknown = http
        .login("brute", "nobody@brute.example", "whatever-Wrong-1")
        .await;
    assert_eq!(
        strip(unknown.json().await.unwrap()),
        strip(bodies[0].clone())
    );

    // The lockout is audited and the owner is told.
    app.run_jobs("brute").await;
    let t = app.store.tenancy().resolve("brute").await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let (locked, failed): (i64, i64) = tx
        .query_as("SELECT count(*) FILTER (WHERE action = 'auth.account_locked'), count(*) FILTER (WHERE action = 'auth.login_failed') FROM audit_log WHERE tenant_id = $1 AND entity_id = $2")
        .bind(t.id().as_uuid())
        .bind(victim)
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let notices: i64 = tx
        .query_scalar("SELECT count(*) FROM notification_messages WHERE tenant_id = $1 AND template = 'account_locked'")
        .bind(t.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let ip: Option<String> = tx
        .query_scalar("SELECT host(ip) FROM audit_log WHERE tenant_id = $1 AND action = 'auth.account_locked'")
        .bind(t.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(locked, 1);
    assert_eq!(failed, 10);
    assert_eq!(notices, 1);
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn sql_metacharacters_in_every_sign_in_field_are_inert() {
    let db = TestDb::new().await;
    db.tenant("sqli", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let zanele = app
        .create_user("sqli", "zanele@sqli.example", "tenant_admin")
        .await;
    let payloads = [
        "' OR '1'='1",
        "zanele@sqli.example' --",
        "\"; DROP TABLE users; --",
        "%' OR email LIKE '%",
        "zanele@sqli.example'; UPDATE users SET role='tenant_admin' --",
        "\\'; SELECT pg_sleep(5); --",
    ];
    for p in payloads {
        for body in [
            json!({"email": p, "password": p}),
            json!({"email": "zanele@sqli.example", "password": p}),
            json!({"email": p, "password": TEST_PASSWORD}),
        ] {
            let res = http
                .post(Some("sqli"), "/api/v1/auth/login", None, body)
                .await;
            let body = problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
            leaks_nothing(&body, &["zanele"]);
        }
        for (path, body) in [
            (
                "/api/v1/auth/mfa/verify",
                json!({"mfa_token": p, "code": p}),
            ),
            ("/api/v1/auth/refresh", json!({"refresh_token": p})),
            (
                "/api/v1/auth/password/reset",
                json!({"token": p, "password": "Sturdy-Baobab-Lantern-77"}),
            ),
            (
                "/api/v1/auth/invitations/accept",
                json!({"token": p, "password": "Sturdy-Baobab-Lantern-77"}),
            ),
        ] {
            let res = http.post(Some("sqli"), path, None, body).await;
            assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path} with {p:?}");
        }
        let res = http
            .post(
                Some("sqli"),
                "/api/v1/auth/password/forgot",
                None,
                json!({"email": p}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        let res = http
            .post(
                Some(p),
                "/api/v1/auth/login",
                None,
                json!({"email": "zanele@sqli.example", "password": TEST_PASSWORD}),
            )
            .await;
        assert!(
            matches!(
                res.status(),
                StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST
            ),
            "X-Tenant {p:?}: {}",
            res.status()
        );
    }
    // Nothing changed and the real account still signs in.
    let t = app.store.tenancy().resolve("sqli").await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let users: i64 = tx
        .query_scalar("SELECT count(*) FROM users WHERE tenant_id = $1")
        .bind(t.id().as_uuid())
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(users, 2, "the provisioned admin and zanele");
    // The wrong passwords among the payloads locked the account; once unlocked it signs in.
    app.state
        .identity
        .unlock_user(&t, uuid::Uuid::nil(), zanele, &Default::default())
        .await
        .unwrap();
    let me = http.signed_in("sqli", "zanele@sqli.example").await;
    assert_eq!(
        claims_of(me["access_token"].as_str().unwrap())["role"],
        "tenant_admin"
    );
}

#[tokio::test]
async fn portal_form_posts_need_the_csrf_token() {
    let db = TestDb::new().await;
    db.tenant("csrf", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("csrf", "sipho@csrf.example", "agent").await;
    let host = format!("csrf.localhost:{}", app.addr.port());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = [("email", "sipho@csrf.example"), ("password", TEST_PASSWORD)];

    // No token at all (the cross-site attacker's post): refused, no session cookie.
    let res = client
        .post(app.url("/login"))
        .header("host", &host)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers().get("set-cookie").is_none());

    // The page hands out a token; a post with the cookie but a wrong or missing field, or
    // from another origin, is refused.
    let page = client
        .get(app.url("/login"))
        .header("host", &host)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let token: String = html[at..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(token.len(), 43);
    for (field, origin) in [
        ("", None),
        ("forged-token-forged-token-forged-token-xxxx", None),
        (token.as_str(), Some("http://evil.example")),
    ] {
        let mut req = client
            .post(app.url("/login"))
            .header("host", &host)
            .header("cookie", &cookie)
            .form(&[("csrf", field), form[0], form[1]]);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.unwrap();
        assert_eq!(
            res.status(),
            StatusCode::FORBIDDEN,
            "csrf {field:?} origin {origin:?}"
        );
        assert!(res.headers().get("set-cookie").is_none());
    }

    // With the token: signed in (303 to the home page, session cookies set).
    let res = client
        .post(app.url("/login"))
        .header("host", &host)
        .header("origin", format!("http://{host}"))
        .header("cookie", &cookie)
        .form(&[("csrf", token.as_str()), form[0], form[1]])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with("c360_access=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
    let access = cookies
        .iter()
        .find(|c| c.starts_with("c360_access="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let home = client
        .get(app.url("/"))
        .header("host", &host)
        .header("cookie", format!("{cookie}; {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert!(home.text().await.unwrap().contains("sipho@csrf.example"));

    // Logging out without the token is refused too.
    let res = client
        .post(app.url("/logout"))
        .header("host", &host)
        .header("cookie", format!("{cookie}; {access}"))
        .form(&[("csrf", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
