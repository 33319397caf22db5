//! Every webhook, kept in memory so each commit's audit entries are routed to the deliveries
//! they owe inside the commit's own transaction.

use crate::domain::events::{Delivery, Webhook};
use crate::domain::kernel::locks;
use crate::domain::kernel::{Entity, EntityId, Record};
use crate::service::kernel::error::ServiceError;
use crate::store::{OutboxRoute, Store};
use std::sync::{Arc, RwLock};

/// Every webhook, as committed.
#[derive(Clone, Default)]
pub struct Hooks(pub(crate) Arc<RwLock<Vec<Record<Webhook>>>>);

impl Hooks {
    /// Reads every webhook and routes later commits through them.
    pub async fn load(store: &Store) -> Result<Hooks, ServiceError> {
        let hooks = Hooks(Arc::new(RwLock::new(store.all_of::<Webhook>().await?)));
        let routed = hooks.clone();
        let route: OutboxRoute = Arc::new(move |entry| {
            locks::read(&routed.0)
                .iter()
                .filter(|hook| hook.data.wants(entry))
                .filter_map(|hook| {
                    let delivery = Delivery::owed(hook, entry);
                    Some((delivery.id.clone(), serde_json::to_value(&delivery).ok()?))
                })
                .collect()
        });
        store.set_outbox(route);
        Ok(hooks)
    }

    /// Follows a committed change of any entity; only webhooks matter here.
    pub(super) fn apply<E: Entity>(&self, id: &EntityId, after: Option<&Record<E>>) {
        if E::KIND != Webhook::KIND {
            return;
        }
        let mut hooks = locks::write(&self.0);
        hooks.retain(|h| &h.id != id);
        if let Some(record) = after
            && let Some(hook) = record.data.downcast_ref::<Webhook>()
        {
            hooks.push(record.with_data(hook.clone()));
        }
    }

    /// Waits for a committed change that some webhook is owed (or for missed changes).
    pub(crate) async fn owed(
        &self,
        changes: &mut tokio::sync::broadcast::Receiver<Arc<crate::domain::access::AuditEntry>>,
    ) {
        loop {
            match changes.recv().await {
                Ok(entry) => {
                    let hooks = locks::read(&self.0);
                    if hooks.iter().any(|h| h.data.wants(&entry)) {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    std::future::pending::<()>().await
                }
            }
        }
    }

    pub(crate) fn get(&self, id: &EntityId) -> Option<Record<Webhook>> {
        locks::read(&self.0).iter().find(|h| &h.id == id).cloned()
    }
}
