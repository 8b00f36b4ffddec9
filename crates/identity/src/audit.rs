//! The security audit trail: who did what to which account, from where. Written in the same
//! transaction as the change it records, to the tenant's audit log or the platform's.

use crate::realm::RealmTx;
use comply360_store::StoreError;
use std::net::IpAddr;
use uuid::Uuid;

/// Where a request came from, as recorded with every audit entry.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The user agent as stored: bounded, so a client cannot fill the log.
    fn user_agent(&self) -> Option<String> {
        self.user_agent
            .as_ref()
            .map(|ua| ua.chars().take(300).collect())
    }
}

/// One entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// e.g. `auth.login_failed`, `user.role_changed`, `api_key.created`.
    pub action: &'static str,
    /// The account that acted, when known.
    pub actor: Option<Uuid>,
    /// The kind and id of what was acted on.
    pub entity: Option<(&'static str, Uuid)>,
    pub detail: serde_json::Value,
}

impl Entry {
    pub fn new(action: &'static str) -> Entry {
        Entry {
            action,
            actor: None,
            entity: None,
            detail: serde_json::json!({}),
        }
    }

    pub fn actor(mut self, actor: Uuid) -> Entry {
        self.actor = Some(actor);
        self
    }

    pub fn on(mut self, kind: &'static str, id: Uuid) -> Entry {
        self.entity = Some((kind, id));
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Entry {
        self.detail = detail;
        self
    }
}

pub async fn record(tx: &mut RealmTx, client: &ClientInfo, entry: Entry) -> Result<(), StoreError> {
    let ip = client.ip.map(|ip| ip.to_string());
    match tx {
        RealmTx::Tenant(t) => {
            let tenant = t.tenant_id().as_uuid();
            t.query(
                "INSERT INTO audit_log (tenant_id, id, actor_id, action, entity, entity_id, ip, user_agent, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7::inet, $8, $9)",
            )
            .bind(tenant)
            .bind(Uuid::now_v7())
            .bind(entry.actor)
            .bind(entry.action)
            .bind(entry.entity.map(|(kind, _)| kind))
            .bind(entry.entity.map(|(_, id)| id))
            .bind(ip)
            .bind(client.user_agent())
            .bind(&entry.detail)
            .execute(t.conn())
            .await?;
        }
        RealmTx::Platform(t) => {
            let mut detail = entry.detail.clone();
            if let Some(obj) = detail.as_object_mut() {
                obj.insert("ip".into(), ip.into());
                obj.insert("user_agent".into(), client.user_agent().into());
                if let Some((kind, id)) = entry.entity {
                    obj.insert("entity".into(), kind.into());
                    obj.insert("entity_id".into(), id.to_string().into());
                }
            }
            let actor = entry.actor.map_or_else(
                || "anonymous".to_owned(),
                |id| format!("platform_user:{id}"),
            );
            sqlx::query(
                "INSERT INTO control.platform_audit_log (id, actor, action, detail) VALUES ($1, $2, $3, $4)",
            )
            .bind(Uuid::now_v7())
            .bind(actor)
            .bind(entry.action)
            .bind(detail)
            .execute(&mut **t)
            .await?;
        }
    }
    Ok(())
}
