//! The clients import over HTTP: the template file is the importer's own columns and passes
//! its checks; an agent without `clients:write` (what the API's import route needs) is refused
//! every import page; a dry run's sealed file imports only in the agency and for the person it
//! was checked for (another agency, another person or an altered copy: 404, nothing written).

use crate::support::Visitor;
use comply360_domain::IsolationMode;
use comply360_testkit::{TestApp, TestDb, spawn_app};
use reqwest::StatusCode;

/// Posts `bytes` as the upload form's file (multipart, the token in the query string, as the
/// page's form does), keeping the visitor's cookies.
pub async fn upload(
    app: &TestApp,
    visitor: &mut Visitor,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, String) {
    if !visitor.cookies.contains_key("c360_csrf") {
        visitor.get("/clients/import").await;
    }
    let token = visitor.cookies["c360_csrf"].clone();
    let boundary = "c360-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let cookie = visitor
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("http://{}/clients/import?csrf={token}", app.addr))
        .header("host", &visitor.host)
        .header("origin", format!("http://{}", visitor.host))
        .header("cookie", cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The value of the report page's hidden `file` field (the sealed upload).
fn sealed_file(html: &str) -> String {
    let at = html
        .find("name=\"file\" value=\"")
        .expect("the report carries the file");
    let rest = &html[at + "name=\"file\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn client_count(app: &TestApp, tenant: &str) -> usize {
    let t = app.store.tenancy().resolve(tenant).await.unwrap();
    let mut tx = app.store.tenancy().begin(&t).await.unwrap();
    let filter = comply360_practice::clients::ClientFilter {
        limit: Some(100),
        ..Default::default()
    };
    let page = comply360_practice::clients::list(&mut tx, &filter)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    page.items.len()
}

#[tokio::test]
async fn the_template_file_lists_the_importers_columns_and_passes_its_checks() {
    let db = TestDb::new().await;
    db.tenant("tmpl", IsolationMode::Pooled).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("tmpl", "nomsa@tmpl.example", "tenant_admin")
        .await;
    let mut admin = Visitor::new(&app, "tmpl");
    admin.sign_in("nomsa@tmpl.example").await;

    let page = admin.get("/clients/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("up to 700 KB"), "{}", page.body);
    for column in comply360_practice::import::COLUMNS {
        assert!(
            page.body.contains(&format!("<code>{column}</code>")),
            "{column}"
        );
    }
    let list = admin.get("/clients").await;
    assert!(list.body.contains("Import a spreadsheet"));

    let template = admin.get("/clients/import/template.csv").await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(
        template.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let header = template.body.lines().next().unwrap();
    assert_eq!(header, comply360_practice::import::COLUMNS.join(","));

    let (status, report) = upload(
        &app,
        &mut admin,
        "clients-template.csv",
        template.body.as_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(report.contains("Every row is ready to import"), "{report}");
    assert!(report.contains("Import everything (1 client)"), "{report}");

    // Imported: one client, and the result page says so.
    let done = admin
        .post(
            "/clients/import/confirm",
            &[("file", &sealed_file(&report)), ("mode", "all")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/clients/import/done?created=1&left=0");
    let result = admin.get(done.location()).await;
    assert!(
        result.body.contains("1 client was created."),
        "{}",
        result.body
    );
    assert_eq!(client_count(&app, "tmpl").await, 1);

    // An empty upload and a file over the limit are refused on the upload page.
    let (status, page) = upload(&app, &mut admin, "empty.csv", b"").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Choose a CSV file"), "{page}");
    let big = vec![b'a'; 900 * 1024];
    let (status, page) = upload(&app, &mut admin, "big.csv", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(page.contains("larger than 700 KB"), "{page}");
}

#[tokio::test]
async fn without_clients_write_every_import_page_is_refused_and_a_pending_import_is_only_its_owners()
 {
    let db = TestDb::new().await;
    db.tenant("north", IsolationMode::Pooled).await;
    db.tenant("south", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("north", "ayanda@north.example", "agent_assistant")
        .await;
    app.create_user("north", "nomsa@north.example", "tenant_admin")
        .await;
    app.create_user("north", "pieter@north.example", "tenant_admin")
        .await;
    app.create_user("south", "lindiwe@south.example", "tenant_admin")
        .await;

    // The assistant may read clients, not write them: no link, and 403 on every import page.
    let mut assistant = Visitor::new(&app, "north");
    assistant.sign_in("ayanda@north.example").await;
    let list = assistant.get("/clients").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("Import a spreadsheet"));
    for path in [
        "/clients/import",
        "/clients/import/template.csv",
        "/clients/import/done?created=1",
    ] {
        assert_eq!(
            assistant.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let (status, _) = upload(&app, &mut assistant, "a.csv", b"display_name\nAcme\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The administrator's dry run writes nothing and carries the file sealed.
    let mut nomsa = Visitor::new(&app, "north");
    nomsa.sign_in("nomsa@north.example").await;
    let file =
        "display_name,email\nAcme Trading,info@acme.example\nBravo Holdings,info@bravo.example\n";
    let (status, report) = upload(&app, &mut nomsa, "two.csv", file.as_bytes()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        client_count(&app, "north").await,
        0,
        "a dry run writes nothing"
    );
    let sealed = sealed_file(&report);
    assert!(
        !report.contains("Acme Trading,"),
        "the file is not in the page in clear"
    );

    let confirm = |sealed: String| {
        vec![
            ("file".to_owned(), sealed),
            ("mode".to_owned(), "all".to_owned()),
        ]
    };
    async fn post(v: &mut Visitor, form: &[(String, String)]) -> StatusCode {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        v.post("/clients/import/confirm", &form).await.status
    }
    // The assistant, forcing the confirm with it: 403 (the page's need comes first).
    assert_eq!(
        post(&mut assistant, &confirm(sealed.clone())).await,
        StatusCode::FORBIDDEN
    );
    // Another agency's administrator: 404, nothing written there or here.
    let mut lindiwe = Visitor::new(&app, "south");
    lindiwe.sign_in("lindiwe@south.example").await;
    assert_eq!(
        post(&mut lindiwe, &confirm(sealed.clone())).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(client_count(&app, "south").await, 0);
    // Another administrator of the same agency: 404 too (it is Nomsa's upload).
    let mut pieter = Visitor::new(&app, "north");
    pieter.sign_in("pieter@north.example").await;
    assert_eq!(
        post(&mut pieter, &confirm(sealed.clone())).await,
        StatusCode::NOT_FOUND
    );
    // An altered copy: 404.
    let mut altered = sealed.clone().into_bytes();
    let mid = altered.len() / 2;
    altered[mid] = if altered[mid] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert_eq!(
        post(&mut nomsa, &confirm(altered)).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&mut nomsa, &confirm("not-a-file".into())).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(client_count(&app, "north").await, 0);

    // Its owner: imported.
    assert_eq!(
        post(&mut nomsa, &confirm(sealed)).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(client_count(&app, "north").await, 2);
}
