//! The CIPC client against the stand-in on loopback: prefill, the FACTS.md register, the
//! token refresh path and the errors an agent will see.

use chrono::NaiveDate;
use comply360_integrations::Retryable;
use comply360_integrations::cipc::{
    BeneficialOwnershipRegister, CipcClient, CipcConfig, CipcCredentials, CipcError, CipcStandIn,
    StandInConfig, StandInCounters, StandInHandle, StatementKind,
};
use std::time::Duration;

async fn stand_in(config: StandInConfig) -> (StandInHandle, CipcClient) {
    let handle = CipcStandIn::start(config).await.unwrap();
    let client = client(&handle, handle.credentials());
    (handle, client)
}

fn client(handle: &StandInHandle, credentials: CipcCredentials) -> CipcClient {
    CipcClient::new(
        CipcConfig::new(handle.base_url()),
        credentials,
        reqwest::Client::new(),
    )
}

#[tokio::test]
async fn prefill_merges_profile_directors_filings_and_owners() {
    let (sim, client) = stand_in(StandInConfig::default()).await;
    let prefill = client.prefill("K2015/255566/07").await.unwrap();
    assert_eq!(prefill.enterprise_number, "K2015/255566/07");
    assert_eq!(prefill.registration_number, "2015/255566/07");
    assert_eq!(
        prefill.name.as_deref(),
        Some("Karoo Sunlight Traders (Pty) Ltd")
    );
    assert_eq!(prefill.company_type.as_deref(), Some("Private Company"));
    assert_eq!(prefill.status.as_deref(), Some("In Business"));
    assert_eq!(
        prefill.registration_date,
        NaiveDate::from_ymd_opt(2015, 8, 14)
    );
    assert_eq!(
        prefill.registered_address.as_deref(),
        Some("12 Long Street, Cape Town, 8001")
    );
    // The resigned director is left out.
    let names: Vec<_> = prefill
        .directors
        .iter()
        .map(|d| d.full_name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["Thandiwe Mokoena", "Pieter van der Merwe"]);
    assert_eq!(
        prefill.directors[0].id_number.as_deref(),
        Some("8506150123089")
    );
    assert_eq!(
        prefill.directors[0].appointed_on,
        NaiveDate::from_ymd_opt(2015, 8, 14)
    );
    assert_eq!(prefill.directors[0].role.as_deref(), Some("Director"));
    assert_eq!(prefill.filings.len(), 3);
    assert_eq!(
        prefill.filings[0].kind.as_deref(),
        Some("Annual Return 2024")
    );
    assert_eq!(
        prefill.filings[0].filed_on,
        NaiveDate::from_ymd_opt(2024, 9, 20)
    );
    assert_eq!(prefill.filings[0].reference.as_deref(), Some("9011223344"));
    assert_eq!(prefill.beneficial_owners.len(), 1);
    assert_eq!(
        prefill.beneficial_owners[0].full_name.as_deref(),
        Some("Thandiwe Mokoena")
    );
    assert_eq!(
        prefill.beneficial_ownership_company_type.as_deref(),
        Some("NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP")
    );
    assert!(prefill.warnings.is_empty(), "{:?}", prefill.warnings);
    // Four calls, one sign-in shared by all of them.
    let counters = sim.counters();
    assert_eq!((counters.sign_ins, counters.api_requests), (1, 4));
}

/// FACTS.md section 1's example response, with its elided `links` as an empty list.
const FACTS_BO_RESPONSE: &str = r#"{"register":[{"statementtype":"entityStatement","legal_entity_type":"Private Company","company_type":"NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP","identifiers":[{"registration authority":"ZA-CIPC","enterprise_number":"2013/187505/07"}]}],"links":[]}"#;

fn assert_is_the_facts_register(register: &BeneficialOwnershipRegister) {
    assert_eq!(register.statements.len(), 1);
    let statement = &register.statements[0];
    assert_eq!(statement.statement_type.as_deref(), Some("entityStatement"));
    assert_eq!(statement.kind, StatementKind::Entity);
    assert_eq!(
        statement.legal_entity_type.as_deref(),
        Some("Private Company")
    );
    assert_eq!(
        statement.company_type.as_deref(),
        Some("NON-AFFECTED COMPANY WITH BENEFICIAL OWNERSHIP")
    );
    assert_eq!(statement.identifiers.len(), 1);
    assert_eq!(
        statement.identifiers[0].registration_authority.as_deref(),
        Some("ZA-CIPC")
    );
    assert_eq!(
        statement.identifiers[0].enterprise_number.as_deref(),
        Some("2013/187505/07")
    );
    assert_eq!(register.people().count(), 0);
}

#[tokio::test]
async fn the_facts_register_parses_from_text_and_over_http() {
    let register =
        BeneficialOwnershipRegister::from_cipc(serde_json::from_str(FACTS_BO_RESPONSE).unwrap());
    assert_is_the_facts_register(&register);
    assert!(register.links.is_empty());
    assert_eq!(
        register.raw["register"][0]["statementtype"],
        "entityStatement"
    );

    let (_sim, client) = stand_in(StandInConfig::default()).await;
    let register = client.beneficial_ownership("2013/187505/07").await.unwrap();
    assert_is_the_facts_register(&register);
    assert_eq!(register.links.len(), 1);
    // Stored and read back, nothing changes.
    let stored = serde_json::to_value(&register).unwrap();
    assert_eq!(
        serde_json::from_value::<BeneficialOwnershipRegister>(stored).unwrap(),
        register
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let (sim, client) = stand_in(StandInConfig {
        access_token_lifetime: Duration::from_millis(300),
        ..StandInConfig::default()
    })
    .await;
    client.company_profile("K2015/255566/07").await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let profile = client.company_profile("K2015/255566/07").await.unwrap();
    assert_eq!(
        profile.name.as_deref(),
        Some("Karoo Sunlight Traders (Pty) Ltd")
    );
    assert_eq!(
        sim.counters(),
        StandInCounters {
            token_requests: 2,
            sign_ins: 1,
            refreshes: 1,
            refused_grants: 0,
            api_requests: 3,
            unauthorized: 1,
        }
    );
    // The refreshed token serves the next call without another grant.
    client.directors("K2015/255566/07").await.unwrap();
    assert_eq!(sim.counters().token_requests, 2);
}

#[tokio::test]
async fn a_refused_refresh_signs_in_again() {
    let (sim, client) = stand_in(StandInConfig::default()).await;
    client.directors("2013/187505/07").await.unwrap();
    sim.expire_access_tokens();
    sim.expire_refresh_tokens();
    let directors = client.directors("2013/187505/07").await.unwrap();
    assert_eq!(directors[0].full_name.as_deref(), Some("Nomvula Zulu"));
    let counters = sim.counters();
    assert_eq!(counters.sign_ins, 2);
    assert_eq!(counters.refreshes, 0);
    assert_eq!(counters.refused_grants, 1, "the refresh was tried first");
}

#[tokio::test]
async fn wrong_credentials_say_where_to_fix_them() {
    let (sim, _) = stand_in(StandInConfig::default()).await;
    let wrong_password = CipcCredentials {
        password: "not-the-password".to_owned(),
        ..sim.credentials()
    };
    let error = client(&sim, wrong_password)
        .company_profile("K2015/255566/07")
        .await
        .unwrap_err();
    assert!(matches!(error, CipcError::Unauthorized { .. }), "{error:?}");
    assert!(!error.is_retryable());
    let text = error.to_string();
    assert!(
        text.contains(
            "check the CIPC username, password and subscription key in the agency's integration settings"
        ),
        "{text}"
    );
    assert!(
        text.contains("user name or password is incorrect"),
        "{text}"
    );

    let wrong_key = CipcCredentials {
        subscription_key: "nope".to_owned(),
        ..sim.credentials()
    };
    let error = client(&sim, wrong_key)
        .company_profile("K2015/255566/07")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("subscription key"), "{error}");
    assert_eq!(sim.counters().api_requests, 0);
}

#[tokio::test]
async fn a_company_cipc_does_not_know_is_not_found() {
    let (_sim, client) = stand_in(StandInConfig::default()).await;
    let error = client.prefill("K2020/000123/07").await.unwrap_err();
    let CipcError::NotFound { enterprise_number } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(enterprise_number, "K2020/000123/07");
    assert!(!error.is_retryable());
    assert!(
        error.to_string().contains("registration certificate"),
        "{error}"
    );
}

#[tokio::test]
async fn a_malformed_enterprise_number_fails_before_any_request() {
    let (sim, client) = stand_in(StandInConfig::default()).await;
    for bad in ["K2015/25556/07", "2015-255566-07", "X2015/255566/07", ""] {
        let error = client.prefill(bad).await.unwrap_err();
        assert!(
            matches!(error, CipcError::InvalidEnterpriseNumber { .. }),
            "{bad}: {error:?}"
        );
        assert!(error.to_string().contains("2015/255566/07"), "{error}");
        let error = client.beneficial_ownership(bad).await.unwrap_err();
        assert!(matches!(error, CipcError::InvalidEnterpriseNumber { .. }));
    }
    assert_eq!(sim.counters(), StandInCounters::default());
}

#[tokio::test]
async fn an_unreachable_cipc_is_retryable() {
    let (sim, client) = stand_in(StandInConfig::default()).await;
    sim.shutdown().await.unwrap();
    let error = client.company_profile("K2015/255566/07").await.unwrap_err();
    assert!(matches!(error, CipcError::Unavailable { .. }), "{error:?}");
    assert!(error.is_retryable());
}
