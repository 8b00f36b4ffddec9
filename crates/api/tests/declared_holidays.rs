//! Declared public holidays: the platform operator adds one and exactly the deadlines whose
//! window spans it move by a business day, in agencies of all three isolation modes; removing
//! it moves them back. The list, its audit trail, and what the routes refuse.

use crate::support;
use chrono::{Datelike, Duration as Days, NaiveDate, Utc, Weekday};
use comply360_domain::IsolationMode;
use comply360_domain::calendar::{BusinessCalendar, shipped_declared_holidays};
use comply360_testkit::http::{Http, problem, problem_fields};
use comply360_testkit::{TEST_PASSWORD, TestApp, TestDb, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn today() -> NaiveDate {
    (Utc::now() + Days::hours(2)).date_naive()
}

/// The same month and day in `year`, or the day before when that year has no 29 February.
fn in_year(day: NaiveDate, year: i32) -> NaiveDate {
    day.with_year(year)
        .or_else(|| (day - Days::days(1)).with_year(year))
        .unwrap()
}

async fn call(
    http: &Http<'_>,
    method: Method,
    tenant: Option<&str>,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let res = http.send(method, tenant, path, Some(token), body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn ok(
    http: &Http<'_>,
    method: Method,
    tenant: Option<&str>,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Value {
    let (status, body) = call(http, method.clone(), tenant, path, token, body).await;
    assert!(status.is_success(), "{method} {path}: {status} {body}");
    body
}

async fn operator(app: &TestApp, http: &Http<'_>, email: &str, role: &str) -> String {
    app.state
        .identity
        .create_platform_user(email, role, "Ops", TEST_PASSWORD)
        .await
        .unwrap();
    let res = http
        .post(
            None,
            "/api/v1/platform/auth/login",
            None,
            json!({"email": email, "password": TEST_PASSWORD}),
        )
        .await;
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// One agency's open and closed obligations: (company name, kind, period) -> (id, due, status).
type Calendar = BTreeMap<(String, String, String), (String, NaiveDate, String)>;

async fn calendar(http: &Http<'_>, slug: &str, token: &str) -> Calendar {
    let page = ok(
        http,
        Method::GET,
        Some(slug),
        "/api/v1/obligations?limit=100",
        token,
        None,
    )
    .await;
    assert!(page["next_cursor"].is_null(), "one page: {page}");
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                (
                    o["company_name"].as_str().unwrap().to_owned(),
                    o["kind"].as_str().unwrap().to_owned(),
                    o["period"].as_str().unwrap().to_owned(),
                ),
                (
                    o["id"].as_str().unwrap().to_owned(),
                    o["due_on"].as_str().unwrap().parse().unwrap(),
                    o["status"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn adding_a_declared_holiday_moves_exactly_the_spanned_deadlines_in_every_agency() {
    let db = TestDb::new().await;
    let app = spawn_app(db.store.clone()).await;
    let http = Http::new(&app);
    let ops = operator(&app, &http, "ops@comply360.example", "super_admin").await;
    let support_staff = operator(&app, &http, "support@comply360.example", "global_support").await;

    // The shipped list, readable by support staff, editable only by super admins.
    let listed = ok(
        &http,
        Method::GET,
        None,
        "/api/v1/platform/holidays",
        &support_staff,
        None,
    )
    .await;
    let shipped: Vec<String> = shipped_declared_holidays()
        .iter()
        .map(|h| h.on.to_string())
        .collect();
    let listed_dates: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["date"].as_str().unwrap())
        .collect();
    assert_eq!(listed_dates, shipped);
    assert_eq!(listed[8]["name"], "local government elections");
    assert_eq!(listed[8]["added_by"], "shipped");

    // The day to declare: the first weekday from three days ahead that is a business day,
    // so that it falls inside windows that open in the past (a new company's BO filing,
    // a VAT registration from today) and in an annual return's.
    let shipped_cal = BusinessCalendar::shipped();
    let mut day = today() + Days::days(3);
    while !shipped_cal.is_business_day(day) {
        day += Days::days(1);
    }
    let declared: Vec<NaiveDate> = shipped_declared_holidays()
        .iter()
        .map(|h| h.on)
        .chain([day])
        .collect();
    let with_day = BusinessCalendar::new(declared);

    // The same companies in an agency of each mode:
    // spans  - annual return opening 20 days before the day (30 business days ~ 6 weeks);
    // after  - annual return opening 5 days after it;
    // before - annual return closed well before it;
    // new    - incorporated two days ago: its BO filing (10 business days) spans the day;
    // vat    - over the compulsory VAT threshold: apply within 21 business days of today;
    // cc     - a close corporation whose calendar-month window spans the day (no business
    //          days in it, so nothing moves).
    let spans = in_year(day - Days::days(20), (day - Days::days(20)).year() - 2);
    let after = in_year(day + Days::days(5), (day + Days::days(5)).year() - 3);
    let before = in_year(day - Days::days(70), (day - Days::days(70)).year() - 2);
    let new = today() - Days::days(2);
    let vat = in_year(day + Days::days(100), 2019);
    let cc = NaiveDate::from_ymd_opt(2005, day.month(), 1).unwrap();
    let companies = [
        ("Spans Window (Pty) Ltd", "private_company", spans, None),
        ("After Window (Pty) Ltd", "private_company", after, None),
        ("Before Window (Pty) Ltd", "private_company", before, None),
        ("Brand New (Pty) Ltd", "private_company", new, None),
        (
            "Big Supplier (Pty) Ltd",
            "private_company",
            vat,
            Some(300_000_000_i64),
        ),
        ("Karoo Traders CC", "close_corporation", cc, None),
    ];
    let agencies = [
        ("hol-pooled", IsolationMode::Pooled),
        ("hol-schema", IsolationMode::Schema),
        ("hol-db", IsolationMode::Database),
    ];
    let mut admins = BTreeMap::new();
    for (slug, mode) in agencies {
        db.tenant(slug, mode).await;
        let admin = app.token_for(slug, "tenant_admin").await;
        let client = ok(
            &http,
            Method::POST,
            Some(slug),
            "/api/v1/clients",
            &admin,
            Some(
                json!({"first_names": "Thabo", "surname": "Mokoena", "id_number": "8001015009087"}),
            ),
        )
        .await;
        for (name, kind, incorporated_on, supplies) in companies {
            let mut body = json!({"client_id": client["id"], "company_type": kind, "name": name,
                "incorporated_on": incorporated_on});
            if let Some(cents) = supplies {
                body["taxable_supplies_cents"] = cents.into();
            }
            ok(
                &http,
                Method::POST,
                Some(slug),
                "/api/v1/companies",
                &admin,
                Some(body),
            )
            .await;
        }
        admins.insert(slug, admin);
    }
    let key = |company: &str, kind: &str, period: &str| {
        (company.to_owned(), kind.to_owned(), period.to_owned())
    };
    let spanned = [
        key(
            "Spans Window (Pty) Ltd",
            "annual_return",
            &(day - Days::days(20)).year().to_string(),
        ),
        key(
            "Brand New (Pty) Ltd",
            "beneficial_ownership",
            "incorporation",
        ),
        key("Big Supplier (Pty) Ltd", "vat_registration", "threshold"),
    ];
    // In the database-mode agency the spanned annual return is already filed: done
    // obligations keep their dates.
    let mut before_change = BTreeMap::new();
    for (slug, admin) in &admins {
        let cal = calendar(&http, slug, admin).await;
        for k in &spanned {
            let (_, due, _) = &cal[k];
            assert!(
                *due >= day,
                "{slug} {k:?} due {due} should span {day}: {cal:?}"
            );
        }
        if *slug == "hol-db" {
            let id = &cal[&spanned[0]].0;
            let (status, _) = call(
                &http,
                Method::POST,
                Some(slug),
                &format!("/api/v1/obligations/{id}/status"),
                admin,
                Some(json!({"status": "done"})),
            )
            .await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
        before_change.insert(*slug, calendar(&http, slug, admin).await);
    }

    // Only super admins may change the list; bad input is refused field by field.
    let (status, body) = call(
        &http,
        Method::POST,
        None,
        "/api/v1/platform/holidays",
        &support_staff,
        Some(json!({"date": day, "name": "local government elections"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(
        &http,
        Method::POST,
        None,
        "/api/v1/platform/holidays",
        &ops,
        Some(json!({"date": "1990-01-03", "name": "  "})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = problem_fields(&body);
    assert_eq!(fields, ["date", "name"], "{body}");

    // Declare the day: every agency recomputed, eight deadlines moved (three per agency,
    // less the filed one).
    let change = ok(
        &http,
        Method::POST,
        None,
        "/api/v1/platform/holidays",
        &ops,
        Some(json!({"date": day, "name": "by-election"})),
    )
    .await;
    assert_eq!(change["holiday"]["date"], day.to_string());
    assert!(
        change["holiday"]["added_by"]
            .as_str()
            .unwrap()
            .starts_with("platform_user:")
    );
    assert_eq!(
        change["recomputed"],
        json!({"agencies": 3, "moved": 8, "failed": []})
    );
    for (slug, admin) in &admins {
        let now = calendar(&http, slug, admin).await;
        let was = &before_change[slug];
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            was.keys().collect::<Vec<_>>(),
            "{slug}: the same obligations"
        );
        for (k, (id, due, status)) in was {
            let moved = spanned.contains(k) && status == "open";
            let expected = if moved {
                with_day.add_business_days(*due, 1)
            } else {
                *due
            };
            assert_eq!(now[k].0, *id, "{slug} {k:?}");
            assert_eq!(
                now[k].1, expected,
                "{slug} {k:?} was due {due}; with {day} declared it should be {expected}"
            );
            if moved {
                assert!(now[k].1 > *due, "{slug} {k:?}");
            }
        }
    }
    // A second declaration of the day changes nothing.
    let res = http
        .post(
            None,
            "/api/v1/platform/holidays",
            Some(&ops),
            json!({"date": day, "name": "again"}),
        )
        .await;
    problem(res, StatusCode::CONFLICT, "holiday_exists").await;
    let listed = ok(
        &http,
        Method::GET,
        None,
        "/api/v1/platform/holidays",
        &ops,
        None,
    )
    .await;
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["date"] == day.to_string() && h["name"] == "by-election"),
        "{listed}"
    );

    // Withdraw it: every date is back where it was.
    let change = ok(
        &http,
        Method::DELETE,
        None,
        &format!("/api/v1/platform/holidays/{day}"),
        &ops,
        None,
    )
    .await;
    assert_eq!(
        change["recomputed"],
        json!({"agencies": 3, "moved": 8, "failed": []})
    );
    for (slug, admin) in &admins {
        assert_eq!(
            calendar(&http, slug, admin).await,
            before_change[slug],
            "{slug}"
        );
    }
    for path in [
        format!("/api/v1/platform/holidays/{day}"),
        "/api/v1/platform/holidays/someday".to_owned(),
    ] {
        let res = http
            .send(Method::DELETE, None, &path, Some(&ops), None)
            .await;
        problem(res, StatusCode::NOT_FOUND, "holiday_not_found").await;
    }

    // Both changes are in the platform audit log, with the operator.
    let audit: Vec<(String, String, Value)> = sqlx::query_as(
        "SELECT actor, action, detail FROM control.platform_audit_log \
         WHERE action LIKE 'holiday.%' ORDER BY at, id",
    )
    .fetch_all(db.store.owner_pool())
    .await
    .unwrap();
    let ops_id = support::claims_of(&ops)["sub"].as_str().unwrap().to_owned();
    assert_eq!(
        audit
            .iter()
            .map(|(actor, action, detail)| (
                actor.as_str(),
                action.as_str(),
                detail["date"].clone()
            ))
            .collect::<Vec<_>>(),
        [
            (
                format!("platform_user:{ops_id}").as_str(),
                "holiday.declared",
                json!(day)
            ),
            (
                format!("platform_user:{ops_id}").as_str(),
                "holiday.removed",
                json!(day)
            ),
        ]
    );
    // Weekdays only in this test's arithmetic: a declared Sunday would also move Monday.
    assert_ne!(day.weekday(), Weekday::Sun);
}
