//! Impact, dependency paths and dependency cycles, answered from the relationship index.

use crate::api::graphql::Node;
use crate::api::graphql::RelationType;
use crate::api::relationships::impact::{
    ImpactInput, ImpactReport, dependency_cycles, dependency_path, impact,
};
use async_graphql::{Context, ID, Object, Result};

#[derive(Default)]
pub struct RelationshipQueries;

#[Object]
impl RelationshipQueries {
    /// What is affected, and why, if the given entities fail together: each affected entity with
    /// its state (DOWN or DEGRADED, after redundancy), distance, and one shortest explaining chain.
    async fn impact(&self, ctx: &Context<'_>, input: ImpactInput) -> Result<ImpactReport> {
        impact(ctx, input).await
    }

    /// A shortest chain of dependencies by which `from` relies on `to`; null when it does not.
    async fn dependency_path(
        &self,
        ctx: &Context<'_>,
        from: ID,
        to: ID,
        types: Option<Vec<RelationType>>,
    ) -> Result<Option<Vec<Node>>> {
        dependency_path(ctx, &from, &to, types).await
    }

    /// Circles of entities that depend on each other (strongly connected groups of two or more).
    async fn dependency_cycles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        types: Option<Vec<RelationType>>,
    ) -> Result<Vec<Vec<Node>>> {
        dependency_cycles(ctx, first, types).await
    }
}
