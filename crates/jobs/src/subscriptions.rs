//! Which handlers receive which events.

use crate::RetryPolicy;
use crate::event::matches;
use crate::handler::Handler;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct Subscription {
    pub handler: Arc<dyn Handler>,
    pub policy: RetryPolicy,
}

/// The handlers of this deployment. Built once at start-up; `emit` writes one job per
/// subscription whose patterns match the event's type.
#[derive(Clone, Default)]
pub struct Subscriptions {
    by_name: HashMap<&'static str, Subscription>,
    default_policy: RetryPolicy,
}

impl Subscriptions {
    pub fn new(default_policy: RetryPolicy) -> Subscriptions {
        Subscriptions {
            by_name: HashMap::new(),
            default_policy,
        }
    }

    /// Adds a handler. Two handlers with one name would share an inbox, and a name of another
    /// shape could not be stored in the queue (`event::names`), so either panics at start-up
    /// rather than misbehaving later.
    pub fn with(mut self, handler: impl Handler) -> Subscriptions {
        self.add(Arc::new(handler));
        self
    }

    pub fn add(&mut self, handler: Arc<dyn Handler>) {
        let name = handler.name();
        assert!(
            crate::event::names::is_handler_name(name),
            "handler name {name:?} must be a lower-case letter, then letters, digits, _ and ."
        );
        let policy = handler.retry_policy().unwrap_or(self.default_policy);
        let previous = self.by_name.insert(name, Subscription { handler, policy });
        assert!(previous.is_none(), "two handlers are named {name}");
    }

    pub fn get(&self, name: &str) -> Option<&Subscription> {
        self.by_name.get(name)
    }

    /// The subscriptions an event of this type is delivered to, by handler name.
    pub fn for_event(&self, event_type: &str) -> Vec<&Subscription> {
        let mut subs: Vec<&Subscription> = self
            .by_name
            .values()
            .filter(|s| {
                s.handler
                    .subscribes_to()
                    .iter()
                    .any(|p| matches(p, event_type))
            })
            .collect();
        subs.sort_by_key(|s| s.handler.name());
        subs
    }

    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.by_name.keys().copied().collect();
        names.sort_unstable();
        names
    }

    pub fn iter(&self) -> impl Iterator<Item = &Subscription> {
        self.by_name.values()
    }

    pub fn default_policy(&self) -> RetryPolicy {
        self.default_policy
    }
}
