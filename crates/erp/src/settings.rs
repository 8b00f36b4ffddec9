//! An agency's Odoo connection: where its Odoo is, which database, the login, the API key
//! (sealed under the master key, bound to the agency, never shown again), the protocol (the
//! JSON-2 API of Odoo 19+, or XML-RPC for Odoo 18 and earlier), and which CRM stage each
//! registration status maps to. Stored as the `integrations.odoo` setting.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use comply360_domain::Secret;
use comply360_domain::plans::Feature;
pub use comply360_identity::sealed::Sealing;
use comply360_integrations::odoo::{OdooClient, OdooConfig, OdooProtocol};
use comply360_practice::error::Problems;
use comply360_practice::workflow::Status;
use comply360_practice::{PracticeError, history};
use comply360_store::TenantTx;
use comply360_store::repo::settings;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use url::Url;

const KEY: &str = "integrations.odoo";

/// The stage a lead is moved to for each registration status; a status left out (rejected,
/// cancelled) archives the lead as lost.
pub fn default_stages() -> BTreeMap<String, String> {
    [
        ("draft", "New"),
        ("ready", "New"),
        ("submitted", "Proposition"),
        ("info_requested", "Qualified"),
        ("approved", "Won"),
        ("completed", "Won"),
    ]
    .into_iter()
    .map(|(s, n)| (s.to_owned(), n.to_owned()))
    .collect()
}

/// The connection as stored (the key sealed).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Stored {
    base_url: String,
    database: String,
    login: String,
    protocol: OdooProtocol,
    stages: BTreeMap<String, String>,
    api_key_sealed: String,
    set_at: chrono::DateTime<chrono::Utc>,
}

/// The connection as an administrator sees it: the key only as "(set)".
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OdooSettingsView {
    pub base_url: String,
    pub database: String,
    pub login: String,
    /// `json2` (Odoo 19 and later) or `xmlrpc` (Odoo 18 and earlier).
    pub protocol: String,
    /// The CRM stage name for each registration status (rejected and cancelled archive the lead).
    pub stages: BTreeMap<String, String>,
    /// Always "(set)": the API key is sealed and never shown.
    pub api_key: &'static str,
    pub set_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OdooSettingsInput {
    /// The Odoo address, e.g. https://acme.odoo.com.
    #[schema(value_type = String, required)]
    pub base_url: Option<String>,
    /// The database name.
    #[schema(value_type = String, required)]
    pub database: Option<String>,
    /// The user's login (their email, usually).
    #[schema(value_type = String, required)]
    pub login: Option<String>,
    /// An API key of that user (Preferences › Account Security); sealed, never shown again.
    /// Leave out to keep the stored one.
    pub api_key: Option<String>,
    /// `json2` (the default; Odoo 19 and later) or `xmlrpc` (Odoo 18 and earlier).
    pub protocol: Option<String>,
    /// Stage names by registration status, replacing the defaults given.
    #[serde(default)]
    pub stages: BTreeMap<String, String>,
}

fn context(agency: uuid::Uuid) -> Vec<u8> {
    format!("odoo:api_key:{agency}").into_bytes()
}

fn view(s: &Stored) -> OdooSettingsView {
    OdooSettingsView {
        base_url: s.base_url.clone(),
        database: s.database.clone(),
        login: s.login.clone(),
        protocol: s.protocol.as_str().to_owned(),
        stages: s.stages.clone(),
        api_key: "(set)",
        set_at: s.set_at,
    }
}

async fn stored(tx: &mut TenantTx) -> Result<Option<Stored>, PracticeError> {
    Ok(settings::get(tx, KEY)
        .await?
        .and_then(|v| serde_json::from_value(v).ok()))
}

/// The agency's connection, if it has one.
pub async fn get(tx: &mut TenantTx) -> Result<Option<OdooSettingsView>, PracticeError> {
    Ok(stored(tx).await?.map(|s| view(&s)))
}

fn required(field: &str, value: &Option<String>, what: &str, problems: &mut Problems) -> String {
    match value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 500)
    {
        Some(v) => v.to_owned(),
        None => {
            problems.add(
                field,
                format!("{what} is required (at most 500 characters)"),
            );
            String::new()
        }
    }
}

/// Checks and stores the connection, sealing the key (a missing key keeps the stored one).
pub async fn save(
    tx: &mut TenantTx,
    master: &dyn Sealing,
    actor: uuid::Uuid,
    input: &OdooSettingsInput,
) -> Result<OdooSettingsView, PracticeError> {
    tx.plan().ensure_feature(Feature::OdooSync)?;
    let before = stored(tx).await?;
    let mut problems = Problems::default();
    let base_url = required(
        "base_url",
        &input.base_url,
        "the Odoo address",
        &mut problems,
    );
    if !base_url.is_empty()
        && !Url::parse(&base_url)
            .is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
    {
        problems.add(
            "base_url",
            "must be an http(s) address, e.g. https://acme.odoo.com",
        );
    }
    let database = required(
        "database",
        &input.database,
        "the database name",
        &mut problems,
    );
    let login = required("login", &input.login, "the login", &mut problems);
    let protocol = match input.protocol.as_deref().filter(|p| !p.is_empty()) {
        None => OdooProtocol::Json2,
        Some(p) => {
            p.parse()
                .unwrap_or_else(|e: comply360_integrations::odoo::UnknownOdooProtocol| {
                    problems.add("protocol", e.to_string());
                    OdooProtocol::Json2
                })
        }
    };
    let sealed = match input
        .api_key
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        Some(k) if k.len() > 500 => {
            problems.add("api_key", "must be at most 500 characters");
            String::new()
        }
        Some(k) => STANDARD.encode(master.seal(k.as_bytes(), &context(tx.tenant_id().as_uuid()))),
        None => match &before {
            Some(b) => b.api_key_sealed.clone(),
            None => {
                problems.add("api_key", "an API key of the Odoo user is required (Odoo: Preferences › Account Security › New API Key)");
                String::new()
            }
        },
    };
    let mut stages = before
        .as_ref()
        .map_or_else(default_stages, |b| b.stages.clone());
    for (status, name) in &input.stages {
        if status.parse::<Status>().is_err() {
            problems.add(&format!("stages.{status}"), "not a registration status (draft, ready, submitted, info_requested, approved, completed)");
        } else if name.trim().is_empty() || name.len() > 100 {
            problems.add(
                &format!("stages.{status}"),
                "a CRM stage name is required (at most 100 characters)",
            );
        } else {
            stages.insert(status.clone(), name.trim().to_owned());
        }
    }
    problems.finish("the Odoo settings have invalid fields")?;
    let s = Stored {
        base_url,
        database,
        login,
        protocol,
        stages,
        api_key_sealed: sealed,
        set_at: chrono::Utc::now(),
    };
    settings::put(tx, KEY, &json!(s)).await?;
    let agency = tx.tenant_id().as_uuid();
    history::record(
        tx,
        actor,
        "integrations.odoo_set",
        "settings",
        agency,
        json!({"base_url": s.base_url, "database": s.database, "login": s.login, "protocol": s.protocol, "key_changed": input.api_key.is_some()}),
    )
    .await?;
    Ok(view(&s))
}

/// Removes the connection (nothing more is synced; the links are kept for a reconnection).
pub async fn clear(tx: &mut TenantTx, actor: uuid::Uuid) -> Result<bool, PracticeError> {
    let had = settings::delete(tx, KEY).await?;
    let agency = tx.tenant_id().as_uuid();
    if had {
        history::record(
            tx,
            actor,
            "integrations.odoo_cleared",
            "settings",
            agency,
            json!({}),
        )
        .await?;
    }
    Ok(had)
}

/// A client for the agency's Odoo and its stage names, if it has a connection. A key that
/// does not open (another master key, another agency's row) is an error, never a guess.
pub async fn connect(
    tx: &mut TenantTx,
    master: &dyn Sealing,
    http: &reqwest::Client,
) -> Result<Option<Connection>, PracticeError> {
    let Some(s) = stored(tx).await? else {
        return Ok(None);
    };
    let broken = |what: &str| PracticeError::Conflict {
        code: "odoo_settings_unreadable",
        detail: format!("the stored Odoo {what} cannot be read; enter the Odoo settings again"),
    };
    let sealed = STANDARD
        .decode(&s.api_key_sealed)
        .map_err(|_| broken("API key"))?;
    let key = master
        .open(&sealed, &context(tx.tenant_id().as_uuid()))
        .ok_or_else(|| broken("API key"))?;
    let key = String::from_utf8(key).map_err(|_| broken("API key"))?;
    let base_url = Url::parse(&s.base_url).map_err(|_| broken("address"))?;
    let config = OdooConfig {
        base_url,
        database: s.database.clone(),
        login: s.login.clone(),
        api_key: Secret::new(key),
        protocol: s.protocol,
    };
    Ok(Some(Connection {
        client: OdooClient::new(config, http.clone()),
        stages: s.stages,
    }))
}

/// An open connection: the client, and the stage names.
pub struct Connection {
    pub client: OdooClient,
    pub stages: BTreeMap<String, String>,
}
