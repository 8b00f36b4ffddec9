//! Provisioning: the resumable state machine of DESIGN.md rule 7.
//!
//! `requested → provisioning → active`, or `failed` with the error kept. Each step is
//! idempotent, records itself in `placements.completed_step`, and has an undo
//! ([`Store::discard_tenant`], in [`discard`]). New namespaces are built from the latest version in one go: a
//! schema gets every migration in one transaction and one round trip; a database is copied from
//! a template database kept at the latest version (`CREATE DATABASE … TEMPLATE`).
//!
//! This module holds the state machine (request, run the remaining steps in order, record
//! each); `steps` does each step's work.

mod discard;
mod status;
mod steps;
mod template;

use crate::catalog::{self, TenantRecord};
use crate::{DATABASE_MODE_SCHEMA, POOLED_SCHEMA, Store, StoreError};
use comply360_domain::{
    IsolationMode, ProvisioningState, ProvisioningStep, ServerId, Slug, TenantId, Tier,
};
use serde_json::json;
use sha2::{Digest, Sha256};

/// What the operator asked for.
#[derive(Clone, Debug)]
pub struct NewTenant {
    pub slug: Slug,
    pub name: String,
    pub mode: IsolationMode,
    pub tier: Tier,
    /// Server for database mode (default: the primary). Refused for other modes.
    pub server: Option<String>,
    /// Invited as the tenant's first administrator.
    pub admin_email: Option<String>,
}

/// Knobs for tests and drills.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProvisionOptions {
    /// Fail on purpose right after this step completes (proves resumption).
    pub fail_after: Option<ProvisioningStep>,
}

const STEPS: [ProvisioningStep; 5] = [
    ProvisioningStep::CreateNamespace,
    ProvisioningStep::BuildSchema,
    ProvisioningStep::Seed,
    ProvisioningStep::CreateAdmin,
    ProvisioningStep::Finish,
];

/// PostgreSQL truncates identifiers at 63 bytes; long slugs get a hash suffix instead, so two
/// long slugs never collide.
pub fn identifier(prefix: &str, slug: &Slug) -> String {
    let full = format!("{prefix}{}", slug.ident_suffix());
    if full.len() <= 63 {
        return full;
    }
    let hash = hex::encode(&Sha256::digest(slug.as_str().as_bytes())[..4]);
    let keep = 63 - prefix.len() - hash.len() - 1;
    format!("{prefix}{}_{hash}", &slug.ident_suffix()[..keep])
}

impl Store {
    /// Records the request, then provisions. On failure the tenant stays `failed` with its error,
    /// and [`Store::resume_provisioning`] finishes it.
    pub async fn create_tenant(
        &self,
        new: NewTenant,
        opts: ProvisionOptions,
    ) -> Result<TenantRecord, StoreError> {
        self.create_tenant_by(new, opts, "operator").await
    }

    /// [`Store::create_tenant`] with the requester named in the platform audit log (the
    /// console's operator, `platform_user:<id>`).
    pub async fn create_tenant_by(
        &self,
        new: NewTenant,
        opts: ProvisionOptions,
        actor: &str,
    ) -> Result<TenantRecord, StoreError> {
        let record = self.request_tenant(&new, actor).await?;
        self.run_provisioning(record, opts).await
    }

    /// Finishes a tenant left `requested`, `provisioning` or `failed`. Does nothing to an
    /// active one.
    pub async fn resume_provisioning(
        &self,
        slug: &str,
        opts: ProvisionOptions,
    ) -> Result<TenantRecord, StoreError> {
        let record = catalog::require_tenant(self.owner_pool(), slug).await?;
        if record.placement.state == ProvisioningState::Active {
            return Ok(record);
        }
        self.run_provisioning(record, opts).await
    }

    async fn request_tenant(
        &self,
        new: &NewTenant,
        actor: &str,
    ) -> Result<TenantRecord, StoreError> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "tenant name must be 1 to 200 characters".into(),
            ));
        }
        if let Some(email) = &new.admin_email
            && (!email.contains('@') || email.len() > 254)
        {
            return Err(StoreError::Invalid(format!(
                "admin email {email:?} is not an email address"
            )));
        }
        let server: ServerId = match (&new.server, new.mode) {
            (None, _) => self.primary_server_id(),
            (Some(name), IsolationMode::Database) => {
                catalog::server_by_name(self.owner_pool(), name)
                    .await?
                    .ok_or_else(|| StoreError::UnknownServer(name.clone()))?
                    .id
            }
            (Some(_), mode) => {
                return Err(StoreError::Invalid(format!(
                    "--server applies to database mode only; {mode} tenants live on the primary server"
                )));
            }
        };
        let (database, schema) = match new.mode {
            IsolationMode::Pooled => (None, POOLED_SCHEMA.to_owned()),
            IsolationMode::Schema => (None, identifier("t_", &new.slug)),
            IsolationMode::Database => (
                Some(identifier(&self.settings().database_prefix, &new.slug)),
                DATABASE_MODE_SCHEMA.to_owned(),
            ),
        };
        let id = TenantId::new();
        // Not flushed either: nothing has been acknowledged until the final `active` commit.
        let mut tx = self.bookkeeping_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO control.tenants (id, slug, name, tier, isolation_mode) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (slug) DO NOTHING",
        )
        .bind(id.as_uuid())
        .bind(new.slug.as_str())
        .bind(name)
        .bind(new.tier.as_str())
        .bind(new.mode.as_str())
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            return Err(StoreError::SlugTaken(new.slug.to_string()));
        }
        sqlx::query(
            "INSERT INTO control.placements (tenant_id, server_id, database_name, schema_name, admin_email)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_uuid())
        .bind(server.as_uuid())
        .bind(&database)
        .bind(&schema)
        .bind(&new.admin_email)
        .execute(&mut *tx)
        .await?;
        catalog::audit(
            &mut *tx,
            actor,
            "tenant.requested",
            Some(id),
            json!({"slug": new.slug.as_str(), "mode": new.mode.as_str(), "tier": new.tier.as_str()}),
        )
        .await?;
        crate::txn::commit(tx).await?;
        catalog::tenant_by_id(self.owner_pool(), id)
            .await?
            .ok_or_else(|| StoreError::UnknownTenant(new.slug.to_string()))
    }

    async fn run_provisioning(
        &self,
        record: TenantRecord,
        opts: ProvisionOptions,
    ) -> Result<TenantRecord, StoreError> {
        let mut tx = self.bookkeeping_tx().await?;
        sqlx::query(
            "UPDATE control.placements SET state = 'provisioning', attempts = attempts + 1, updated_at = now()
             WHERE tenant_id = $1",
        )
        .bind(record.id.as_uuid())
        .execute(&mut *tx)
        .await?;
        crate::txn::commit(tx).await?;
        let done = record.placement.completed_step;
        for step in STEPS.into_iter().filter(|s| done.is_none_or(|d| *s > d)) {
            let outcome = match self.run_step(&record, step).await {
                Ok(()) if opts.fail_after == Some(step) => {
                    self.mark_step(&record, step).await?;
                    Err(StoreError::Invalid(format!(
                        "failure injected after step {step}"
                    )))
                }
                other => other,
            };
            if let Err(err) = outcome {
                let reason = err.to_string();
                sqlx::query(
                    "UPDATE control.placements SET state = 'failed', last_error = $2, updated_at = now()
                     WHERE tenant_id = $1",
                )
                .bind(record.id.as_uuid())
                .bind(format!("{step}: {reason}"))
                .execute(self.owner_pool())
                .await?;
                self.tenancy().invalidate(record.id);
                // The caller reports the error; this line is for the operator's log.
                tracing::info!(tenant = %record.slug, %step, error = %reason, "provisioning failed");
                return Err(StoreError::ProvisioningFailed {
                    slug: record.slug.clone(),
                    step: step.to_string(),
                    reason,
                });
            }
            self.mark_step(&record, step).await?;
        }
        self.tenancy().invalidate(record.id);
        catalog::tenant_by_id(self.owner_pool(), record.id)
            .await?
            .ok_or_else(|| StoreError::UnknownTenant(record.slug.clone()))
    }

    async fn mark_step(
        &self,
        record: &TenantRecord,
        step: ProvisioningStep,
    ) -> Result<(), StoreError> {
        let mut tx = self.bookkeeping_tx().await?;
        sqlx::query("UPDATE control.placements SET completed_step = $2, updated_at = now() WHERE tenant_id = $1")
            .bind(record.id.as_uuid())
            .bind(step.as_str())
            .execute(&mut *tx)
            .await?;
        crate::txn::commit(tx).await
    }

    /// A control-plane transaction whose commit does not wait for the WAL flush.
    ///
    /// Safe for provisioning's intermediate writes: WAL is sequential, so the synchronous commit
    /// of the final step (`active`) makes every earlier write on the app database durable; and a
    /// write lost in a crash before that only repeats an idempotent step.
    async fn bookkeeping_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Postgres>, StoreError> {
        crate::txn::begin(
            self.owner_pool(),
            Some("BEGIN; SET LOCAL synchronous_commit = off".to_owned()),
        )
        .await
    }

    async fn run_step(
        &self,
        record: &TenantRecord,
        step: ProvisioningStep,
    ) -> Result<(), StoreError> {
        match step {
            ProvisioningStep::CreateNamespace => self.step_create_namespace(record).await,
            ProvisioningStep::BuildSchema => self.step_build_schema(record).await,
            ProvisioningStep::Seed => self.step_seed(record).await,
            ProvisioningStep::CreateAdmin => self.step_create_admin(record).await,
            ProvisioningStep::Finish => self.step_finish(record).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_slugs_get_a_hashed_identifier_within_63_bytes() {
        let short = Slug::parse("acme-co").unwrap();
        assert_eq!(identifier("t_", &short), "t_acme_co");
        let a = Slug::parse(&format!("a{}", "b".repeat(61))).unwrap();
        let b = Slug::parse(&format!("a{}c", "b".repeat(60))).unwrap();
        let (ia, ib) = (identifier("c360_t_", &a), identifier("c360_t_", &b));
        assert!(ia.len() <= 63 && ib.len() <= 63);
        assert_ne!(ia, ib);
    }
}
