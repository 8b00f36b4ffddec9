//! Invitations: invite a user by email and role, send a fresh invitation, and send the one of
//! the administrator that provisioning created.

use super::users::{UserView, user_view, validate_email};
use crate::audit::{self, ClientInfo, Entry};
use crate::realm::Realm;
use crate::service::{AuthError, Identity};
use comply360_domain::plans::{Limit, Plan};
use comply360_store::Tenant;
use serde_json::json;
use std::sync::Arc;
use uuid::Uuid;

impl Identity {
    /// Invites a user by email and role: an invited account and an emailed invitation link.
    pub async fn invite(
        &self,
        tenant: &Arc<Tenant>,
        actor: Option<Uuid>,
        email: &str,
        role: &str,
        full_name: Option<&str>,
        client: &ClientInfo,
    ) -> Result<UserView, AuthError> {
        let email = validate_email(email)?;
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        self.ensure_role_exists(&mut tx, role).await?;
        let t = tx.tenant_uuid();
        let (users,): (i64,) = tx
            .query_as(
                "SELECT count(*) FROM users WHERE tenant_id = $1 AND status IN ('active', 'invited')",
            )
            .bind(t)
            .fetch_one(tx.conn())
            .await?;
        Plan::of(tenant.record().tier).ensure(
            Limit::Users,
            u64::try_from(users).unwrap_or(0),
            1,
        )?;
        let id = Uuid::now_v7();
        let inserted = tx
            .query(
                "INSERT INTO users (tenant_id, id, email, full_name, role, status)
                 VALUES ($1, $2, $3, $4, $5, 'invited')
                 ON CONFLICT (tenant_id, lower(email)) DO NOTHING",
            )
            .bind(t)
            .bind(id)
            .bind(&email)
            .bind(full_name.unwrap_or("").trim())
            .bind(role)
            .execute(tx.conn())
            .await?;
        if inserted.rows_affected() == 0 {
            return Err(AuthError::Conflict(format!(
                "{email} already has an account in this agency"
            )));
        }
        self.send_invitation(&mut tx, tenant.slug(), id, &email, role)
            .await?;
        let mut entry = Entry::new("user.invited")
            .on("user", id)
            .detail(json!({"email": email, "role": role}));
        entry.actor = actor;
        audit::record(&mut tx, client, entry).await?;
        let view = user_view(&mut tx, id).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Sends a fresh invitation to a user who has not accepted yet.
    pub async fn resend_invitation(
        &self,
        tenant: &Arc<Tenant>,
        actor: Uuid,
        id: Uuid,
        client: &ClientInfo,
    ) -> Result<(), AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let user = user_view(&mut tx, id).await?;
        if user.status != "invited" {
            return Err(AuthError::Conflict(format!(
                "{} has already accepted; they can reset their password instead",
                user.email
            )));
        }
        self.send_invitation(&mut tx, tenant.slug(), id, &user.email, &user.role)
            .await?;
        audit::record(
            &mut tx,
            client,
            Entry::new("user.invitation_resent")
                .actor(actor)
                .on("user", id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
    /// Sends the invitation of the administrator that provisioning created (an invited
    /// account with `email`); false when there is no such invited account.
    pub async fn invite_provisioned_admin(
        &self,
        tenant: &Arc<Tenant>,
        email: &str,
    ) -> Result<bool, AuthError> {
        let realm = Realm::Tenant(tenant.clone());
        let mut tx = realm.begin(&self.inner.store).await?;
        let t = tx.tenant_uuid();
        let found: Option<(Uuid, String, String)> = tx
            .query_as(
                "SELECT id, email, role FROM users
                 WHERE tenant_id = $1 AND lower(email) = lower($2) AND status = 'invited'",
            )
            .bind(t)
            .bind(email.trim())
            .fetch_optional(tx.conn())
            .await?;
        let Some((id, email, role)) = found else {
            return Ok(false);
        };
        self.send_invitation(&mut tx, tenant.slug(), id, &email, &role)
            .await?;
        audit::record(
            &mut tx,
            &ClientInfo::default(),
            Entry::new("user.invited")
                .on("user", id)
                .detail(json!({"email": email, "role": role, "by": "provisioning"})),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}
