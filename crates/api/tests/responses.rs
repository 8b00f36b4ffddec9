//! The response cache (`crates/api/src/responses.rs`): a list is given again from the cache
//! while the agency's data is unchanged, and never after a change, whoever made it (this
//! replica, another replica sharing the database, or work written through the store as a job
//! writes it), in every isolation mode; one agency's kept answer is never another's.

use comply360_domain::IsolationMode;
use comply360_testkit::http::ok;
use comply360_testkit::{TestApp, TestDb, app_state, default_outbox, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

const CLIENTS: &str = "/api/v1/clients?limit=50";
const REGISTRATIONS: &str = "/api/v1/registrations?status=draft&limit=50";

fn names(list: &Value) -> Vec<&str> {
    let mut names: Vec<&str> = list["items"]
        .as_array()
        .expect("a page")
        .iter()
        .map(|c| c["display_name"].as_str().expect("a name"))
        .collect();
    names.sort_unstable();
    names
}

async fn get(http: &reqwest::Client, app: &TestApp, slug: &str, token: &str, path: &str) -> Value {
    ok(http, app, slug, token, Method::GET, path, None).await
}

async fn add_client(
    http: &reqwest::Client,
    app: &TestApp,
    slug: &str,
    token: &str,
    first: &str,
) -> Value {
    let body = json!({"first_names": first, "surname": "Dlamini", "email": format!("{}@kept.example", first.to_lowercase())});
    ok(
        http,
        app,
        slug,
        token,
        Method::POST,
        "/api/v1/clients",
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_kept_list_is_given_again_until_any_change_from_anywhere() {
    let db = TestDb::new().await;
    // Two replicas of one database.
    let a = spawn_app_with(app_state(&db.store, default_outbox()).await).await;
    let b = spawn_app_with(app_state(&db.store, default_outbox()).await).await;
    let http = reqwest::Client::new();
    for (mode, slug, neighbour) in [
        (IsolationMode::Pooled, "kept-pooled", "kept-pooled-n"),
        (IsolationMode::Schema, "kept-schema", "kept-schema-n"),
        (IsolationMode::Database, "kept-db", "kept-db-n"),
    ] {
        db.tenant(slug, mode).await;
        db.tenant(neighbour, mode).await;
        let token = a.token_for(slug, "tenant_admin").await;
        let neighbour_token = a.token_for(neighbour, "tenant_admin").await;

        let ayanda = add_client(&http, &a, slug, &token, "Ayanda").await;
        let first = get(&http, &a, slug, &token, CLIENTS).await;
        assert_eq!(names(&first), ["Ayanda Dlamini"], "{mode}");
        let hits = a.state.responses.hits();
        let again = get(&http, &a, slug, &token, CLIENTS).await;
        assert_eq!(again, first, "{mode}");
        assert_eq!(
            a.state.responses.hits(),
            hits + 1,
            "{mode}: given from the cache"
        );

        // The neighbour asks the same address: its own list, not ours.
        let theirs = get(&http, &a, neighbour, &neighbour_token, CLIENTS).await;
        assert_eq!(names(&theirs), Vec::<&str>::new(), "{mode}");

        // A change made on the other replica is seen here at once.
        add_client(&http, &b, slug, &token, "Bongani").await;
        let after = get(&http, &a, slug, &token, CLIENTS).await;
        assert_eq!(
            names(&after),
            ["Ayanda Dlamini", "Bongani Dlamini"],
            "{mode}"
        );

        // So is one written through the store, as a job writes, outside any request.
        let tenant = db.store.tenancy().resolve(slug).await.unwrap();
        let mut tx = db.store.tenancy().begin(&tenant).await.unwrap();
        tx.query("UPDATE clients SET display_name = 'Ayanda Khumalo' WHERE id = $1")
            .bind(uuid::Uuid::parse_str(ayanda["id"].as_str().unwrap()).unwrap())
            .execute(tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let after = get(&http, &a, slug, &token, CLIENTS).await;
        assert_eq!(
            names(&after),
            ["Ayanda Khumalo", "Bongani Dlamini"],
            "{mode}"
        );

        // The neighbour's change leaves our kept answer standing.
        add_client(&http, &a, neighbour, &neighbour_token, "Cebo").await;
        let hits = a.state.responses.hits();
        let kept = get(&http, &a, slug, &token, CLIENTS).await;
        assert_eq!(kept, after, "{mode}");
        assert_eq!(a.state.responses.hits(), hits + 1, "{mode}: still kept");

        // Another address is another answer: a sparse one has only its fields.
        let sparse = get(
            &http,
            &a,
            slug,
            &token,
            &format!("{CLIENTS}&fields=id,display_name"),
        )
        .await;
        let item = sparse["items"][0].as_object().unwrap();
        assert_eq!(
            item.keys().collect::<Vec<_>>(),
            ["display_name", "id"],
            "{mode}"
        );

        // Registrations: a draft opened on the other replica is in this one's next list.
        let empty = get(&http, &a, slug, &token, REGISTRATIONS).await;
        assert_eq!(empty["items"], json!([]), "{mode}");
        let draft = json!({"client_id": ayanda["id"], "kind": "za_name_reservation",
            "steps": {"names": {"company_kind": "private", "names": ["Umoya Bakers (Pty) Ltd"]}}});
        let opened = ok(
            &http,
            &b,
            slug,
            &token,
            Method::POST,
            "/api/v1/registrations",
            Some(draft),
        )
        .await;
        let listed = get(&http, &a, slug, &token, REGISTRATIONS).await;
        assert_eq!(listed["items"][0]["id"], opened["id"], "{mode}");
    }
}
