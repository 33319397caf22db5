//! Writes a synthetic estate into an empty store, for scale tests and benchmarks.

use futures_util::{StreamExt, TryStreamExt, stream};

use crate::domain::datasets::Estate;
use crate::service::kernel::ServiceError;
use crate::store::Store;

/// Records per transaction: large enough to amortise a commit, small enough to keep memory flat.
const BATCH: usize = 1_000;
/// Transactions in flight at once.
const IN_FLIGHT: usize = 1;

/// What `generate` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub assets: usize,
    pub relationships: usize,
}

/// Which part of the estate is being written, for progress reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Assets,
    Relationships,
}

/// Writes every asset, then every relationship, of `estate`; `progress` hears of each batch
/// (phase, assets done, assets in all). Refuses a store that already holds assets, so synthetic
/// data never mixes with a real register (nor passes through its audit trail).
pub async fn generate(
    store: &Store,
    estate: &Estate,
    mut progress: impl FnMut(Phase, usize, usize),
) -> Result<Generated, ServiceError> {
    if !store.is_empty().await? {
        return Err(ServiceError::BadRequest(
            "the store already holds assets; generate writes only into an empty store".into(),
        ));
    }
    // These writes bypass the audit trail, so no checkpoint could be brought up to date.
    store.drop_checkpoint().await?;
    let org = estate.organisation_records();
    store.insert_bulk(&org.vendors).await?;
    store.insert_bulk(&org.teams).await?;
    store.insert_bulk(&org.locations).await?;
    let total = estate.asset_count();
    let batches = || (0..total).step_by(BATCH).map(|s| s..(s + BATCH).min(total));

    let mut done = stream::iter(batches())
        .map(|range| async move {
            let records: Vec<_> = range.clone().map(|n| estate.asset(n)).collect();
            store.insert_bulk(&records).await.map(|()| range.len())
        })
        .buffer_unordered(IN_FLIGHT);
    let mut written = 0;
    while let Some(count) = done.try_next().await? {
        written += count;
        progress(Phase::Assets, written, total);
    }
    drop(done);

    let mut relationships = 0;
    let mut done = stream::iter(batches())
        .map(|range| async move {
            let records: Vec<_> = range
                .clone()
                .flat_map(|n| estate.relationships_of(n))
                .collect();
            store
                .insert_bulk(&records)
                .await
                .map(|()| (range.len(), records.len()))
        })
        .buffer_unordered(IN_FLIGHT);
    let mut sources = 0;
    while let Some((count, edges)) = done.try_next().await? {
        sources += count;
        relationships += edges;
        progress(Phase::Relationships, sources, total);
    }
    // Every batch was acknowledged row by row; still, count what the store now holds, so a
    // benchmark never runs on an estate that silently lost part of its graph.
    let stored = store.count_edges().await?;
    if stored != relationships {
        return Err(ServiceError::Internal(format!(
            "the store holds {stored} relationships after writing {relationships}"
        )));
    }
    Ok(Generated {
        assets: total,
        relationships,
    })
}
