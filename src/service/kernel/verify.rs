//! `verify`: every projection compared with the store it is derived from, entity by entity.

use std::collections::BTreeSet;

use crate::service::kernel::error::ServiceError;
use crate::service::kernel::index_start::scan;
use crate::service::kernel::register::Register;
use crate::service::kernel::tables::Difference;

impl Register {
    /// Compares the register's lists and the relationship index with the store, read afresh.
    /// Changes committed while it runs may show as differences; run it again to tell.
    pub async fn verify_projections(&self) -> Result<Vec<Difference>, ServiceError> {
        let mut found = self.tables.differences(&self.store).await?;
        let truth: BTreeSet<_> = scan(&self.store).await?.edges().into_iter().collect();
        let held: BTreeSet<_> = self.index().edges().into_iter().collect();
        let edge = |e: &crate::graph::EdgeSpec<crate::domain::kernel::NodeRef>| {
            format!(
                "{}:{} {:?} {}:{}",
                e.source.kind, e.source.id, e.relation, e.target.kind, e.target.id
            )
        };
        for (extra, problem) in [
            (held.difference(&truth), "held here but not in the store"),
            (truth.difference(&held), "in the store but not held here"),
        ] {
            found.extend(extra.map(|e| Difference {
                projection: "relationship index".into(),
                entity: edge(e),
                problem: problem.into(),
            }));
        }
        Ok(found)
    }
}
