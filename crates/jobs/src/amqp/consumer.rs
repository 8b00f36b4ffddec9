//! One handler's consumer on one connection: manual acks, bounded prefetch, each delivery
//! run in its own task (tracked, so shutdown can wait for them) under the process-wide job
//! limit.

use super::delivery::{Deliveries, Verdict};
use super::publisher::Publisher;
use super::topology::{self, Route};
use super::{AmqpError, message};
use futures::StreamExt;
use lapin::Channel;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
};
use lapin::types::FieldTable;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// How long a delivery waits for a reconnect to hand its retry copy over.
const PUBLISH_WAIT: Duration = Duration::from_secs(10);
/// Before giving a message back to its queue after a failed hand-over, so a broker that
/// keeps refusing is not hammered.
const REQUEUE_PAUSE: Duration = Duration::from_secs(1);

/// What every consumer of the process shares.
#[derive(Clone)]
pub(crate) struct ConsumerContext {
    pub deliveries: Arc<Deliveries>,
    pub publisher: Publisher,
    pub permits: Arc<Semaphore>,
    pub tracker: TaskTracker,
    pub prefetch: u16,
    pub tag_prefix: String,
}

/// Consumes on its own channel until `stop` (then cancels the consumer and returns `Ok`) or until the channel
/// or connection fails (then returns the error, and the session reconnects).
pub(crate) async fn consume(
    channel: Channel,
    route: &Route,
    ctx: ConsumerContext,
    stop: CancellationToken,
) -> Result<(), AmqpError> {
    channel
        .basic_qos(ctx.prefetch, BasicQosOptions::default())
        .await?;
    let tag = topology::short(&format!("{}:{}", ctx.tag_prefix, route.handler))?;
    let mut consumer = channel
        .basic_consume(
            route.queue.clone(),
            tag.clone(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    loop {
        tokio::select! {
            _ = stop.cancelled() => {
                // Deliveries already prefetched but not started go back to the queue when the
                // channel closes; started ones finish in their tasks.
                let _ = channel.basic_cancel(tag, BasicCancelOptions::default()).await;
                return Ok(());
            }
            next = consumer.next() => match next {
                Some(Ok(delivery)) => {
                    let ctx = ctx.clone();
                    let handler = route.handler;
                    // The task keeps the channel open: lapin closes a channel when its last
                    // handle goes, and a delivery can only be acked on its own channel.
                    let channel = channel.clone();
                    ctx.tracker.clone().spawn(async move {
                        process(&ctx, handler, delivery).await;
                        drop(channel);
                    });
                }
                Some(Err(err)) => return Err(err.into()),
                // The broker cancelled the consumer (queue deleted, node shutting down).
                None => return Err(AmqpError::Disconnected),
            }
        }
    }
}

async fn process(ctx: &ConsumerContext, handler: &'static str, delivery: Delivery) {
    let Ok(_permit) = ctx.permits.acquire().await else {
        return;
    };
    let verdict = ctx
        .deliveries
        .decide(
            handler,
            delivery.redelivered || message::came_back(&delivery.properties),
            &delivery.properties,
            &delivery.data,
        )
        .await;
    let acked = match verdict {
        Verdict::Ack => delivery.ack(BasicAckOptions::default()).await,
        Verdict::DeadLetter(reason) => {
            tracing::warn!(handler, message = ?delivery.properties.message_id(), reason,
                "message sent to the dead letters");
            delivery
                .nack(BasicNackOptions {
                    requeue: false,
                    ..BasicNackOptions::default()
                })
                .await
        }
        Verdict::Later(delay) => match hand_over(ctx, handler, &delivery, delay).await {
            Ok(()) => delivery.ack(BasicAckOptions::default()).await,
            Err(err) => {
                // No successor exists, so this copy must stay: back to its queue. If the
                // connection is gone the broker requeues it anyway.
                tracing::warn!(handler, error = %err, "could not delay a message; requeueing it");
                tokio::time::sleep(REQUEUE_PAUSE).await;
                delivery
                    .nack(BasicNackOptions {
                        requeue: true,
                        ..BasicNackOptions::default()
                    })
                    .await
            }
        },
    };
    if let Err(err) = acked {
        // The channel is gone: the broker redelivers the message, and the job's state tells
        // the next consumer what is left to do.
        tracing::debug!(handler, error = %err, "could not settle a delivery");
    }
}

/// Puts a copy of the message in the handler's delay queue and waits for the confirm.
async fn hand_over(
    ctx: &ConsumerContext,
    handler: &str,
    delivery: &Delivery,
    delay: Duration,
) -> Result<(), AmqpError> {
    let never = CancellationToken::new();
    let channel = ctx.publisher.channel(PUBLISH_WAIT, &never).await?;
    let queue = topology::delay_queue(handler, delay);
    topology::declare_delay_queue(&channel, handler, &queue).await?;
    let copy = message::delayed(&delivery.properties, &delivery.data, &queue, delay)?;
    ctx.publisher.publish_all(&channel, vec![copy]).await
}
