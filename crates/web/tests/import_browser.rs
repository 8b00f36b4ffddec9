//! The clients import in a real browser: an administrator uploads the file Excel saves (CRLF
//! line endings, a note over two lines) with a bad ID number, a Belgian number too short for
//! Belgium and a bad email; the report names their lines and columns, the same as for the LF
//! copy of the file; "Import all 2 valid rows" creates exactly the two valid clients. axe-core
//! and screenshots of the upload and report pages at 1280 and 375 px.

use crate::sign_in_browser::sign_in;
use comply360_domain::IsolationMode;
use comply360_testkit::browser::{browser_sized, chromedriver, click, judge, wait_for_text};
use comply360_testkit::{TEST_PASSWORD, TestDb, spawn_app};
use fantoccini::{Client, Locator};

/// Lines 2-3 Thabo (valid; the note spans two lines), 4 a foreign number invalid in Belgium,
/// 5 an ID number with a wrong check digit, 6 an email without its domain, 7 Jan (valid).
const FILE: &str = "kind,first_names,surname,id_number,email,phone,notes\r\n\
    person,Thabo,Mokoena,8001015009087,thabo@karoo.example,082 555 0101,\"met in\r\nCape Town\"\r\n\
    person,Anke,Peeters,,anke@peeters.example,+32699102,\r\n\
    person,Sipho,Dlamini,8001015009088,sipho@karoo.example,082 555 0102,\r\n\
    person,Lerato,Molefe,8506150123089,lerato@,082 555 0104,\r\n\
    person,Jan,Peeters,,jan@peeters.example,+32 471 12 34 56,\r\n";

/// Chooses `path` in the upload form and checks it; waits for the report.
async fn upload(client: &Client, base: &str, path: &std::path::Path) -> String {
    client
        .goto(&format!("{base}/clients/import"))
        .await
        .unwrap();
    wait_for_text(client, "What the file must look like").await;
    client
        .find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
    click(client, "//button[normalize-space()='Check the file']").await;
    wait_for_text(client, "Check the import").await
}

/// The report's rows: (line, column, value).
async fn problems(client: &Client) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for row in client
        .find_all(Locator::Css("table.import-problems tbody tr"))
        .await
        .unwrap()
    {
        let cells = row.find_all(Locator::Css("td")).await.unwrap();
        let mut text = Vec::new();
        for c in &cells[..3] {
            text.push(c.text().await.unwrap().trim().to_owned());
        }
        out.push((text[0].clone(), text[1].clone(), text[2].clone()));
    }
    out
}

/// `text` saved as `name` (the report shows the file's name).
fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crlf_file_is_reported_by_its_lines_and_only_the_valid_rows_are_imported() {
    let Some((_driver, driver_port)) = chromedriver().await else {
        return;
    };
    let db = TestDb::new().await;
    db.tenant("karoo", IsolationMode::Schema).await;
    let app = spawn_app(db.store.clone()).await;
    app.create_user("karoo", "nomsa@karoo.example", "tenant_admin")
        .await;
    let base = format!("http://karoo.localhost:{}", app.addr.port());
    let files = tempfile::tempdir().unwrap();
    let crlf = file(&files, "clients-from-excel.csv", FILE);
    let lf = file(&files, "clients-lf.csv", &FILE.replace("\r\n", "\n"));
    assert!(
        std::fs::read(&crlf)
            .unwrap()
            .windows(2)
            .any(|w| w == b"\r\n")
    );

    for width in [1280, 375] {
        let profile = tempfile::tempdir().unwrap();
        let client = browser_sized(driver_port, profile.path(), width, 900).await;
        client.goto(&format!("{base}/login")).await.unwrap();
        sign_in(&client, "nomsa@karoo.example", TEST_PASSWORD).await;
        wait_for_text(&client, "Dashboard").await;
        client.goto(&format!("{base}/clients")).await.unwrap();
        click(
            &client,
            "//main//a[normalize-space()='Import a spreadsheet']",
        )
        .await;
        wait_for_text(&client, "What the file must look like").await;
        judge(&client, "import-upload", width).await;

        let page = upload(&client, &base, &crlf).await;
        let found = problems(&client).await;
        if width == 1280 {
            assert_eq!(
                found,
                [
                    ("4".into(), "phone".into(), "+32699102".into()),
                    ("5".into(), "id_number".into(), "8001015009088".into()),
                    ("6".into(), "email".into(), "lerato@".into()),
                ],
                "{page}"
            );
            assert!(page.contains("not a valid number in Belgium"), "{page}");
            let words = page.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                words.contains("5 rows in the file 2 valid 3 with problems"),
                "{page}"
            );
            judge(&client, "import-report", width).await;

            // The LF copy names the same lines, columns and values.
            upload(&client, &base, &lf).await;
            assert_eq!(problems(&client).await, found, "LF and CRLF alike");

            // Only the valid rows: exactly Thabo and Jan.
            click(
                &client,
                "//button[normalize-space()='Import all 2 valid rows']",
            )
            .await;
            let done = wait_for_text(&client, "clients were created").await;
            assert!(done.contains("2 clients were created."), "{done}");
            assert!(done.contains("3 rows were left out"), "{done}");
            judge(&client, "import-done", width).await;
            click(&client, "//main//a[normalize-space()='See the clients']").await;
            wait_for_text(&client, "Mokoena").await;
            let mut names = Vec::new();
            for row in client
                .find_all(Locator::Css("#client-rows tbody tr td:first-child a"))
                .await
                .unwrap()
            {
                names.push(row.text().await.unwrap());
            }
            names.sort();
            assert_eq!(names, ["Jan Peeters", "Thabo Mokoena"]);
        } else {
            // Thabo is a client now: his ID number is reported too, beside the same three.
            let lines: Vec<&str> = found.iter().map(|(l, _, _)| l.as_str()).collect();
            assert_eq!(lines, ["2", "4", "5", "6"], "{page}");
            assert!(
                page.contains("already has a client with this ID number"),
                "{page}"
            );
            judge(&client, "import-report", width).await;
        }
        client.close().await.unwrap();
    }
}
