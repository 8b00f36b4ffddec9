//! Writes every business event into the tenant's audit log, so an agency sees in one place
//! what happened to its registrations, documents, payments and commissions.

use crate::HandlerError;
use crate::handler::{Handler, JobContext};
use async_trait::async_trait;
use uuid::Uuid;

pub struct AuditTrail;

#[async_trait]
impl Handler for AuditTrail {
    fn name(&self) -> &'static str {
        "audit.trail"
    }

    fn subscribes_to(&self) -> &'static [&'static str] {
        &[
            "registration.*",
            "document.*",
            "payment.*",
            "commission.*",
            "tenant.*",
        ]
    }

    fn runs_in_batches(&self) -> bool {
        true
    }

    async fn handle(&self, ctx: &mut JobContext<'_>) -> Result<(), HandlerError> {
        let event = ctx.event;
        let tenant = ctx.tx.tenant_id().as_uuid();
        // Plain INSERT with a fresh id: exactly one row per event relies on the inbox alone,
        // which is what the crash tests check.
        ctx.tx
            .query(
                "INSERT INTO audit_log (tenant_id, id, at, actor_id, action, entity, entity_id, detail)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(tenant)
            .bind(Uuid::now_v7())
            .bind(event.occurred_at)
            .bind(event.actor_id)
            .bind(&event.event_type)
            .bind(&event.aggregate_type)
            .bind(event.aggregate_id)
            .bind(serde_json::json!({ "event_id": event.id, "payload": event.payload }))
            .execute(ctx.tx.conn())
            .await?;
        Ok(())
    }
}
