//! The automated filing path end to end: the registry simulator on loopback, driven through
//! `SimulatorGateway` exactly as the workflow would drive a registry with an API.

use chrono::Utc;
use comply360_domain::Jurisdiction;
use comply360_domain::identifiers::{CompanyType, RegistrationNumber};
use comply360_integrations::Retryable;
use comply360_integrations::registry::{
    Director, FilingOutcome, IncorporationRequest, ManualGateway, NameReservationRequest, Receipt,
    RegistryError, RegistryGateway, RegistrySimulator, SimulatorConfig, SimulatorGateway,
    SimulatorHandle,
};
use std::time::Duration;

const SEED: &str = "Acme Holdings (Pty) Ltd";

async fn simulator(answer_after: Duration) -> (SimulatorHandle, SimulatorGateway) {
    let handle = RegistrySimulator::start(SimulatorConfig {
        answer_after,
        seed_names: vec![SEED.to_owned()],
        ..SimulatorConfig::default()
    })
    .await
    .unwrap();
    let gateway = SimulatorGateway::new(handle.base_url(), reqwest::Client::new());
    (handle, gateway)
}

fn reservation(names: &[&str]) -> NameReservationRequest {
    NameReservationRequest {
        jurisdiction: Jurisdiction::SouthAfrica,
        names: names.iter().map(|n| (*n).to_owned()).collect(),
        // A fresh idempotency key per request (a repeated key returns the first filing).
        applicant_reference: uuid::Uuid::new_v4().to_string(),
    }
}

/// FACTS.md section 2's valid test ID numbers.
const IDS: [&str; 4] = [
    "8001015009087",
    "8506150123089",
    "9512314999181",
    "0002295109082",
];

fn incorporation(
    company_type: &str,
    name: Option<&str>,
    reservation_number: Option<&str>,
    directors: usize,
) -> IncorporationRequest {
    IncorporationRequest {
        jurisdiction: Jurisdiction::SouthAfrica,
        company_type: company_type.to_owned(),
        name: name.map(str::to_owned),
        name_reservation_number: reservation_number.map(str::to_owned),
        directors: (0..directors)
            .map(|i| Director {
                full_name: format!("Director {}", i + 1),
                id_number: Some(IDS[i % IDS.len()].to_owned()),
                passport: None,
            })
            .collect(),
        financial_year_end: Some("February".to_owned()),
        applicant_reference: uuid::Uuid::new_v4().to_string(),
    }
}

/// The decided outcome, polling as a worker would.
async fn decided(gateway: &SimulatorGateway, receipt: &Receipt) -> FilingOutcome {
    for _ in 0..100 {
        let outcome = gateway.outcome(receipt).await.unwrap();
        if !outcome.is_pending() {
            return outcome;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("still pending after 2 s");
}

#[tokio::test]
async fn a_reservation_is_pending_then_reserved_for_six_months() {
    let (sim, gateway) = simulator(Duration::from_millis(300)).await;
    let receipt = gateway
        .reserve_name(&reservation(&["Karoo Sunrise Bakery"]))
        .await
        .unwrap();
    assert_eq!(
        gateway.outcome(&receipt).await.unwrap(),
        FilingOutcome::Pending
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let FilingOutcome::NameReserved {
        name,
        reservation_number,
        document,
        applied_on,
        expires_on,
        refused,
        not_considered,
    } = gateway.outcome(&receipt).await.unwrap()
    else {
        panic!("not reserved");
    };
    assert_eq!(name, "Karoo Sunrise Bakery");
    assert_eq!(document, "CoR 9.4");
    assert_eq!(reservation_number.len(), 10);
    assert!(reservation_number.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(applied_on, Utc::now().date_naive());
    assert_eq!(
        expires_on,
        applied_on
            .checked_add_months(chrono::Months::new(6))
            .unwrap()
    );
    assert!(refused.is_empty() && not_considered.is_empty());
    // The answer is stable.
    assert!(matches!(
        gateway.outcome(&receipt).await.unwrap(),
        FilingOutcome::NameReserved { .. }
    ));
    sim.shutdown().await.unwrap();
}

#[tokio::test]
async fn duplicates_and_near_duplicates_are_refused_with_the_name_they_resemble() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    for candidate in ["ACME holdings", "Acme Holding", "The Acme Holdings"] {
        let receipt = gateway
            .reserve_name(&reservation(&[candidate]))
            .await
            .unwrap();
        let FilingOutcome::NamesRefused { refused, document } = decided(&gateway, &receipt).await
        else {
            panic!("{candidate} was not refused");
        };
        assert_eq!(document, "CoR 9.5");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].name, candidate);
        let reason = &refused[0].reason;
        assert!(
            reason.contains("registered name 'Acme Holdings (Pty) Ltd'"),
            "{candidate}: {reason}"
        );
    }
    let receipt = gateway
        .reserve_name(&reservation(&["Acme Holding"]))
        .await
        .unwrap();
    let FilingOutcome::NamesRefused { refused, .. } = decided(&gateway, &receipt).await else {
        panic!("not refused");
    };
    assert!(
        refused[0].reason.contains("too close to"),
        "{}",
        refused[0].reason
    );
}

#[tokio::test]
async fn the_second_choice_is_reserved_when_the_first_is_refused_and_is_then_taken() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let receipt = gateway
        .reserve_name(&reservation(&[
            "Acme Holdings",
            "Acme Logistics",
            "Acme Freight",
        ]))
        .await
        .unwrap();
    let FilingOutcome::NameReserved {
        name,
        refused,
        not_considered,
        ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not reserved");
    };
    assert_eq!(name, "Acme Logistics");
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].name, "Acme Holdings");
    assert!(
        refused[0].reason.contains("duplicates"),
        "{}",
        refused[0].reason
    );
    assert_eq!(not_considered, vec!["Acme Freight".to_owned()]);

    // The reserved name now blocks others.
    let receipt = gateway
        .reserve_name(&reservation(&["Acme Logistic"]))
        .await
        .unwrap();
    let FilingOutcome::NamesRefused { refused, .. } = decided(&gateway, &receipt).await else {
        panic!("not refused");
    };
    assert!(
        refused[0].reason.contains("reserved name 'Acme Logistics'"),
        "{}",
        refused[0].reason
    );
}

#[tokio::test]
async fn incorporation_under_a_reservation_issues_a_number_a_certificate_and_takes_the_name() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let receipt = gateway
        .reserve_name(&reservation(&["Blue Crane Ventures"]))
        .await
        .unwrap();
    let FilingOutcome::NameReserved {
        reservation_number, ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not reserved");
    };

    let request = incorporation(
        "private_company",
        Some("Blue Crane Ventures"),
        Some(&reservation_number),
        1,
    );
    let receipt = gateway.incorporate(&request).await.unwrap();
    let FilingOutcome::Incorporated {
        registration_number,
        enterprise_number,
        name,
        document,
        certificate,
    } = decided(&gateway, &receipt).await
    else {
        panic!("not incorporated");
    };
    let today = Utc::now().date_naive();
    let parsed = RegistrationNumber::parse(&registration_number, today).unwrap();
    assert_eq!(parsed.company_type(), CompanyType::Private);
    assert_eq!(parsed.prefix(), None);
    assert_eq!(parsed.registration_number(), registration_number);
    assert_eq!(enterprise_number, format!("K{registration_number}"));
    assert_eq!(
        RegistrationNumber::parse(&enterprise_number, today)
            .unwrap()
            .registration_number(),
        registration_number
    );
    assert_eq!(name, "Blue Crane Ventures (Pty) Ltd");
    assert_eq!(document, "CoR 14.3");
    assert_eq!(certificate.content_type, "application/pdf");
    assert!(certificate.file_name.ends_with(".pdf"));
    assert!(certificate.content.starts_with(b"%PDF-"));
    assert!(certificate.content.ends_with(b"%%EOF"));
    let text = String::from_utf8_lossy(&certificate.content);
    assert!(text.contains("CoR 14.3 Registration Certificate"));
    assert!(text.contains(&registration_number));
    assert!(text.contains("Blue Crane Ventures \\(Pty\\) Ltd"));

    // The same name, or the spent reservation, cannot register a second company.
    for second in [
        incorporation("private_company", Some("Blue Crane Ventures"), None, 1),
        incorporation(
            "private_company",
            Some("Blue Crane Ventures"),
            Some(&reservation_number),
            1,
        ),
    ] {
        let receipt = gateway.incorporate(&second).await.unwrap();
        let FilingOutcome::Rejected { reason, document } = decided(&gateway, &receipt).await else {
            panic!("a second company got the name");
        };
        assert_eq!(document, "CoR 14.2");
        assert!(reason.contains("Blue Crane Ventures (Pty) Ltd"), "{reason}");
    }
}

#[tokio::test]
async fn a_number_name_is_the_number_with_south_africa_and_the_ending() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let receipt = gateway
        .incorporate(&incorporation("private_company", None, None, 1))
        .await
        .unwrap();
    let FilingOutcome::Incorporated {
        registration_number,
        name,
        ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not incorporated");
    };
    assert_eq!(
        name,
        format!("{registration_number} (South Africa) (Pty) Ltd")
    );
}

#[tokio::test]
async fn a_reservation_number_must_exist_and_match_the_name() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let receipt = gateway
        .reserve_name(&reservation(&["Protea Lane Studio"]))
        .await
        .unwrap();
    let FilingOutcome::NameReserved {
        reservation_number, ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not reserved");
    };
    for (name, number, expected) in [
        (
            "Protea Lane Studio",
            "2000000001",
            "no name reservation 2000000001",
        ),
        (
            "Fynbos Studio",
            reservation_number.as_str(),
            "does not match reservation",
        ),
    ] {
        let request = incorporation("private_company", Some(name), Some(number), 1);
        let receipt = gateway.incorporate(&request).await.unwrap();
        let FilingOutcome::Rejected { reason, .. } = decided(&gateway, &receipt).await else {
            panic!("{name} under {number} was not rejected");
        };
        assert!(reason.contains(expected), "{reason}");
    }
}

#[tokio::test]
async fn a_non_profit_company_with_two_directors_is_rejected() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let request = incorporation("non_profit_company", Some("Ubuntu Reading Circle"), None, 2);
    let receipt = gateway.incorporate(&request).await.unwrap();
    let FilingOutcome::Rejected { reason, document } = decided(&gateway, &receipt).await else {
        panic!("not rejected");
    };
    assert_eq!(document, "CoR 14.2");
    assert!(reason.contains("at least 3 directors"), "{reason}");
    assert!(reason.contains("s66(2)"), "{reason}");

    let request = incorporation("non_profit_company", Some("Ubuntu Reading Circle"), None, 3);
    let receipt = gateway.incorporate(&request).await.unwrap();
    let FilingOutcome::Incorporated {
        registration_number,
        name,
        ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not incorporated");
    };
    assert!(
        registration_number.ends_with("/08"),
        "{registration_number}"
    );
    assert_eq!(name, "Ubuntu Reading Circle NPC");
}

/// Posts raw JSON and returns the status and the problem body.
async fn post_raw(sim: &SimulatorHandle, path: &str, body: &str) -> (u16, serde_json::Value) {
    let response = reqwest::Client::new()
        .post(sim.base_url().join(path).unwrap())
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{path} {body}"
    );
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn malformed_requests_get_problem_details_and_are_not_retryable() {
    let (sim, gateway) = simulator(Duration::ZERO).await;
    let cases: [(&str, &str, u16, &str); 8] = [
        (
            "v1/name-reservations",
            r#"{"jurisdiction":"ZA","names":[],"applicant_reference":"r"}"#,
            422,
            "1 to 4 names",
        ),
        (
            "v1/name-reservations",
            r#"{"jurisdiction":"ZA","names":["a","b","c","d","e"],"applicant_reference":"r"}"#,
            422,
            "lists 5",
        ),
        (
            "v1/name-reservations",
            r#"{"jurisdiction":"ZA","names":["Acme","  "],"applicant_reference":"r"}"#,
            422,
            "name 2",
        ),
        (
            "v1/name-reservations",
            r#"{"jurisdiction":"ZA","names":"#,
            400,
            "not a valid name reservation",
        ),
        (
            "v1/name-reservations",
            r#"{"jurisdiction":"XX","names":["Acme"],"applicant_reference":"r"}"#,
            422,
            "jurisdiction",
        ),
        (
            "v1/incorporations",
            r#"{"jurisdiction":"ZA","company_type":"close_corporation","directors":[{"full_name":"A","id_number":"8001015009087"}],"applicant_reference":"r"}"#,
            422,
            "private_company, non_profit_company",
        ),
        (
            "v1/incorporations",
            r#"{"jurisdiction":"ZW","company_type":"private_company","directors":[{"full_name":"A","passport":"P1"}],"applicant_reference":"r"}"#,
            422,
            "zw_private_limited",
        ),
        (
            "v1/incorporations",
            r#"{"jurisdiction":"ZA","company_type":"private_company","directors":[],"applicant_reference":"r"}"#,
            422,
            "none were given",
        ),
    ];
    for (path, body, status, detail) in cases {
        let (got, problem) = post_raw(&sim, path, body).await;
        assert_eq!(got, status, "{body}: {problem}");
        assert_eq!(problem["status"], status);
        let text = problem["detail"].as_str().unwrap();
        assert!(text.contains(detail), "{body}: {text}");
    }

    // Through the gateway the same mistakes are final errors carrying the detail.
    let error = gateway.reserve_name(&reservation(&[])).await.unwrap_err();
    assert!(!error.is_retryable());
    let RegistryError::Refused { status, detail, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 422);
    assert!(detail.contains("1 to 4 names"), "{detail}");
    let error = gateway
        .incorporate(&incorporation(
            "private_company",
            Some("X Trading"),
            None,
            0,
        ))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("none were given"), "{error}");

    let unknown = Receipt {
        filing_id: "no-such-filing".to_owned(),
        submitted_at: Utc::now(),
    };
    let error = gateway.outcome(&unknown).await.unwrap_err();
    assert!(
        matches!(error, RegistryError::UnknownFiling { .. }),
        "{error:?}"
    );
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn names_health_and_a_stopped_simulator() {
    let (sim, gateway) = simulator(Duration::ZERO).await;
    let http = reqwest::Client::new();
    let health = http
        .get(sim.base_url().join("healthz").unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    let names: serde_json::Value = http
        .get(sim.base_url().join("v1/names?q=acme").unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names = names.as_array().unwrap();
    assert_eq!(names.len(), 2, "seeded in ZA and ZW: {names:?}");
    assert!(names.iter().all(|n| n["name"] == SEED));

    let addr = sim.addr();
    sim.shutdown().await.unwrap();
    let error = gateway
        .reserve_name(&reservation(&["Anything"]))
        .await
        .unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    assert!(
        error.to_string().contains("could not be reached"),
        "{error} ({addr})"
    );
}

#[tokio::test]
async fn zimbabwe_uses_its_own_register_labels_and_types() {
    let (_sim, gateway) = simulator(Duration::ZERO).await;
    let mut request = incorporation("zw_pbc", Some("Msasa Traders"), None, 2);
    request.jurisdiction = Jurisdiction::Zimbabwe;
    let receipt = gateway.incorporate(&request).await.unwrap();
    let FilingOutcome::Incorporated {
        registration_number,
        enterprise_number,
        name,
        document,
        ..
    } = decided(&gateway, &receipt).await
    else {
        panic!("not incorporated");
    };
    assert!(
        registration_number.starts_with("ZW-SIM/"),
        "{registration_number}"
    );
    assert!(
        registration_number.ends_with("/PBC"),
        "{registration_number}"
    );
    assert_eq!(enterprise_number, registration_number);
    assert_eq!(name, "Msasa Traders PBC");
    assert_eq!(document, "certificate of incorporation");
}

#[tokio::test]
async fn the_manual_gateway_says_where_to_file_by_hand() {
    let gateway = ManualGateway::default();
    let error = gateway
        .reserve_name(&reservation(&["Acme"]))
        .await
        .unwrap_err();
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(text.contains("CIPC"), "{text}");
    assert!(text.contains("https://eservices.cipc.co.za"), "{text}");
    assert!(text.contains("by hand"), "{text}");
    let mut zw = incorporation("zw_private_limited", Some("Msasa"), None, 1);
    zw.jurisdiction = Jurisdiction::Zimbabwe;
    let text = gateway.incorporate(&zw).await.unwrap_err().to_string();
    assert!(
        text.contains("CIPZ") && text.contains("not configured"),
        "{text}"
    );
}
