//! Importing clients from a spreadsheet in the browser: what the file must look like (with a
//! template generated from the importer's own column list), the upload and its dry run (every
//! problem by line and column), then importing every row or only the valid ones. The checking
//! and writing are `comply360_practice::import::clients`, what `POST /api/v1/clients/import`
//! calls, with the same options (`dry_run`, `skip_invalid`).
//!
//! Between the dry run and the import the file rides in the report page's form, sealed
//! (AES-256-GCM under the service's master key, `Identity::seal`) and bound to the agency, the
//! person and the time of the upload. Neither the practice nor the API keeps pending imports
//! (the API takes the whole file with each call), and a copy held by this replica would be
//! lost on a restart or when the next request reaches another replica; the sealed copy is
//! lost by nothing, and cannot be altered, read or replayed in another agency or by another
//! person: it fails to open and the import answers 404, as for anything not theirs. The import
//! checks the file again, so what changed since the dry run (a client added meanwhile with the
//! same ID number) is caught, not written.

use crate::chrome::Chrome;
use crate::errors::PageError;
use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use comply360_api::AppState;
use comply360_practice::import::{self, COLUMNS, ImportOptions, ImportReport};
use comply360_practice::reminders::sa_today;
use minijinja::value::Serde;
use minijinja::{Value as View, context};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How long a dry run's file may be imported from its report page. Long enough to read the
/// report over lunch; short enough that an old tab's button does not import last week's file
/// again.
const PENDING_SECONDS: u64 = 4 * 3600;

/// What each column holds and an example (the example row of the template, so it must pass
/// the importer's checks: `the_template_file_is_valid`). A column missing here still appears,
/// without a description.
fn describe(column: &str) -> (&'static str, &'static str) {
    match column {
        "kind" => ("person or organisation (empty means person)", "person"),
        "display_name" => (
            "An organisation's registered name; for a person, leave empty to use first names and surname",
            "",
        ),
        "first_names" => ("A person's first names", "Naledi"),
        "surname" => ("A person's surname", "Khumalo"),
        "email" => ("An email address", "naledi@karoo.example"),
        "phone" => (
            "A South African number (082 555 0103) or any number with its country code (+263 77 123 4567)",
            "082 555 0103",
        ),
        "id_number" => (
            "South African ID number: 13 digits, the last a check digit",
            "8506150123089",
        ),
        "passport_number" => ("When the person has no South African ID", ""),
        "passport_country" => ("The passport's two-letter country code, e.g. ZW", ""),
        "registration_number" => (
            "An organisation's CIPC enterprise number, e.g. 2019/123456/07",
            "",
        ),
        "tax_reference" => (
            "Income tax reference: 10 digits, the last a check digit",
            "",
        ),
        "address_line1" => ("Street address", "12 Church Street"),
        "address_line2" => ("Suburb or building", ""),
        "address_city" => ("Town or city", "Graaff-Reinet"),
        "address_postal_code" => ("Postal code", "6280"),
        "address_province" => ("Province", "Eastern Cape"),
        "address_country" => ("Country", "South Africa"),
        "notes" => ("Anything else, up to 5,000 characters", ""),
        "external_ref" => (
            "Your own reference, e.g. from your accounting system",
            "CRM-1042",
        ),
        "agent_email" => (
            "The email of the user in your agency who looks after this client",
            "",
        ),
        _ => ("", ""),
    }
}

/// The largest file accepted: the largest whose sealed copy (base64, a third larger) still
/// fits the request body limit when the report page posts it back, rounded down to a figure a
/// person can read (700 KB with the default 1 MiB limit: some 5,000 clients).
fn max_file_bytes(state: &AppState) -> usize {
    let fits = state.settings.max_body_bytes.saturating_sub(2048) / 4 * 3;
    let fits = fits.saturating_sub(64);
    let unit = if fits >= 200 * 1024 { 100 * 1024 } else { 1024 };
    (fits / unit * unit).max(1024)
}

fn kb(bytes: usize) -> usize {
    bytes / 1024
}

/// `GET /clients/import/template.csv`: the columns the importer reads, and an example row.
pub async fn template_csv() -> Response {
    let header = COLUMNS.join(",");
    let example: Vec<&str> = COLUMNS.iter().map(|c| describe(c).1).collect();
    let body = format!("{header}\r\n{}\r\n", example.join(","));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"clients-template.csv\""),
            ),
        ],
        body,
    )
        .into_response()
}

#[derive(Serialize)]
struct ColumnGuide {
    name: &'static str,
    what: &'static str,
    example: &'static str,
}

fn upload_page(
    chrome: Chrome,
    state: &AppState,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let columns: Vec<ColumnGuide> = COLUMNS
        .iter()
        .map(|c| {
            let (what, example) = describe(c);
            ColumnGuide {
                name: c,
                what,
                example,
            }
        })
        .collect();
    let example_row: Vec<(&str, &str)> = COLUMNS
        .iter()
        .map(|c| (*c, describe(c).1))
        .filter(|(_, e)| !e.is_empty())
        .collect();
    let mut res = chrome.page(
        "clients/import.html",
        "clients",
        "Import clients",
        context! {
            columns => View::from(Serde(&columns)),
            example_header => example_row.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(","),
            example_values => example_row.iter().map(|(_, e)| *e).collect::<Vec<_>>().join(","),
            max_kb => kb(max_file_bytes(state)),
            error,
        },
    );
    *res.status_mut() = status;
    res
}

/// `GET /clients/import`: what the file must look like, and the upload form.
pub async fn page(State(state): State<AppState>, chrome: Chrome) -> Response {
    upload_page(chrome, &state, None, StatusCode::OK)
}

/// Each field of the file by (line, column), to show the value beside its problem.
///
/// The lines are counted as the importer counts them (`practice::import::read`: a record's
/// line is the one its first byte is on; `\r\n`, `\n` and a lone `\r` each end a line). The
/// line and message shown are always the importer's; should this count ever differ, only the
/// value cell is left empty.
fn cells(bytes: &[u8]) -> HashMap<(u64, String), String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut starts = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
            starts.push(i + 1);
        }
    }
    let line_at = |byte: u64| {
        let mut at = usize::try_from(byte).unwrap_or(bytes.len());
        while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
            at += 1;
        }
        u64::try_from(starts.partition_point(|s| *s <= at)).map_or(0, |n| n + 1)
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h
            .iter()
            .map(|n| n.trim().to_lowercase().replace([' ', '-'], "_"))
            .collect(),
        Err(_) => return HashMap::new(),
    };
    let mut out = HashMap::new();
    for record in reader.byte_records().flatten() {
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        for (name, raw) in header.iter().zip(record.iter()) {
            out.insert(
                (line, name.clone()),
                String::from_utf8_lossy(raw).into_owned(),
            );
        }
    }
    out
}

/// The importer's message as a sentence: a capital first letter and a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '?', '!']) {
        out.push('.');
    }
    out
}

#[derive(Serialize)]
struct Problem {
    line: u64,
    column: String,
    value: String,
    message: String,
    hint: &'static str,
}

/// The sealed file's binding: this agency, this person, this purpose.
fn seal_context(chrome: &Chrome) -> Result<Vec<u8>, PageError> {
    Ok(format!(
        "clients-import:{}:{}",
        chrome.tenant()?.id(),
        chrome.actor()
    )
    .into_bytes())
}

fn now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

fn seal(state: &AppState, chrome: &Chrome, bytes: &[u8]) -> Result<String, PageError> {
    let mut plain = now().to_be_bytes().to_vec();
    plain.extend_from_slice(bytes);
    Ok(URL_SAFE_NO_PAD.encode(state.identity.seal(&plain, &seal_context(chrome)?)))
}

/// The file a report page carried back; None if it was not sealed for this agency and person
/// (or was altered), or is older than [`PENDING_SECONDS`].
fn unseal(state: &AppState, chrome: &Chrome, text: &str) -> Result<Option<Vec<u8>>, PageError> {
    let Ok(sealed) = URL_SAFE_NO_PAD.decode(text.trim()) else {
        return Ok(None);
    };
    let Some(plain) = state.identity.open(&sealed, &seal_context(chrome)?) else {
        return Ok(None);
    };
    let Some((stamp, bytes)) = plain.split_first_chunk::<8>() else {
        return Ok(None);
    };
    let age = now().saturating_sub(u64::from_be_bytes(*stamp));
    Ok((age <= PENDING_SECONDS).then(|| bytes.to_vec()))
}

/// The file's checks (and, unless a dry run, its clients written) in one transaction, as the
/// API route runs them: committed only when something was written.
async fn run(
    state: &AppState,
    chrome: &Chrome,
    bytes: &[u8],
    options: ImportOptions,
) -> Result<ImportReport, PageError> {
    let mut tx = state.store.tenancy().begin(chrome.tenant()?).await?;
    let report = import::clients(
        &mut tx,
        &state.outbox,
        chrome.actor(),
        bytes,
        options,
        sa_today(),
    )
    .await?;
    if options.dry_run || report.written == 0 {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

fn report_page(
    state: &AppState,
    chrome: Chrome,
    file_name: &str,
    bytes: &[u8],
    report: &ImportReport,
    notice: Option<&str>,
) -> Result<Response, PageError> {
    let values = cells(bytes);
    let problems: Vec<Problem> = report
        .errors
        .iter()
        .map(|e| {
            let column = e.column.clone().unwrap_or_default();
            Problem {
                line: e.line,
                value: values
                    .get(&(e.line, column.clone()))
                    .cloned()
                    .unwrap_or_default(),
                hint: describe(&column).0,
                column,
                message: sentence(&e.message),
            }
        })
        .collect();
    let bad_lines = report
        .errors
        .iter()
        .map(|e| e.line)
        .collect::<std::collections::BTreeSet<_>>();
    let file = seal(state, &chrome, bytes)?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = chrome.page(
        "clients/import_report.html",
        "clients",
        "Check the import",
        context! {
            file_name,
            file,
            rows => report.rows,
            valid => report.valid,
            invalid => report.rows.saturating_sub(report.valid),
            header_problem => bad_lines.contains(&1),
            problems => View::from(Serde(&problems)),
            notice,
        },
    );
    *res.status_mut() = status;
    Ok(res)
}

/// `POST /clients/import`: the dry run of an uploaded file (multipart; the CSRF token rides in
/// the query string).
pub async fn upload(
    State(state): State<AppState>,
    chrome: Chrome,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let limit = max_file_bytes(&state);
    let too_large = || {
        format!(
            "The file is larger than {} KB. Split it into smaller files and import each.",
            kb(limit)
        )
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            // The body limit cut the upload short.
            Err(_) => {
                let msg = too_large();
                return Ok(upload_page(
                    chrome,
                    &state,
                    Some(msg),
                    StatusCode::PAYLOAD_TOO_LARGE,
                ));
            }
        };
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("").to_owned();
        let Ok(bytes) = field.bytes().await else {
            let msg = too_large();
            return Ok(upload_page(
                chrome,
                &state,
                Some(msg),
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        };
        file = Some((name, bytes.to_vec()));
    }
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let msg = "Choose a CSV file to upload.".to_owned();
        return Ok(upload_page(
            chrome,
            &state,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    if bytes.len() > limit {
        let msg = too_large();
        return Ok(upload_page(
            chrome,
            &state,
            Some(msg),
            StatusCode::PAYLOAD_TOO_LARGE,
        ));
    }
    let options = ImportOptions {
        dry_run: true,
        skip_invalid: false,
    };
    let report = run(&state, &chrome, &bytes, options).await?;
    report_page(&state, chrome, &name, &bytes, &report, None)
}

#[derive(Deserialize)]
pub struct Confirm {
    #[serde(default)]
    file: String,
    #[serde(default)]
    file_name: String,
    /// `valid`: only the valid rows (the API's `skip_invalid`); `all`: every row or none.
    #[serde(default)]
    mode: String,
}

/// `POST /clients/import/confirm`: imports the file the report page carried back.
pub async fn confirm(
    State(state): State<AppState>,
    chrome: Chrome,
    Form(form): Form<Confirm>,
) -> Result<Response, PageError> {
    let Some(bytes) = unseal(&state, &chrome, &form.file)? else {
        return Err(PageError::NotFound);
    };
    let options = ImportOptions {
        dry_run: false,
        skip_invalid: form.mode == "valid",
    };
    let report = run(&state, &chrome, &bytes, options).await?;
    if report.written == 0 {
        // Nothing written: the file (or the agency's clients) changed what the dry run saw.
        let notice = "Nothing was imported: the file has problems now that it did not have \
                      when it was checked. Here is the report again.";
        return report_page(
            &state,
            chrome,
            &form.file_name,
            &bytes,
            &report,
            Some(notice),
        );
    }
    let left = report.rows.saturating_sub(report.written);
    // To a page of its own (not rendered here), so reloading it does not post the file again.
    let to = format!(
        "/clients/import/done?created={}&left={left}",
        report.written
    );
    Ok(chrome.done(&to, "The import is finished."))
}

#[derive(Deserialize)]
pub struct Done {
    #[serde(default)]
    created: usize,
    #[serde(default)]
    left: usize,
}

/// `GET /clients/import/done`: how many clients the import created, and where they are.
pub async fn done(chrome: Chrome, Query(q): Query<Done>) -> Response {
    chrome.page(
        "clients/import_done.html",
        "clients",
        "Clients imported",
        context! { created => q.created, left => q.left },
    )
}
