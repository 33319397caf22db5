//! People and teams: who they are, whom they report to, what they own and use.

use crate::api::graphql::Date;
use async_graphql::{Context, Result};

use crate::api::graphql::Conn;
use crate::api::graphql::one;
use crate::domain::register::Asset;
use crate::domain::register::{Person, Team};

use crate::api::graphql::AssetNode;
use crate::api::graphql::PersonNode;
use crate::api::graphql::TeamNode;
use crate::api::graphql::entity_object;
use crate::api::graphql::referring_conn;

entity_object!(
    /// A member of staff who can own, use or be responsible for assets.
    PersonNode(Person) as "Person" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn email(&self) -> &str { &self.0.data.email }
        async fn title(&self) -> Option<&str> { self.0.data.title.as_deref() }
        /// Last working day, for someone who has left.
        async fn left_on(&self) -> Option<Date> { self.0.data.left_on.map(Date) }
        async fn team(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.team.as_ref()).await?.map(TeamNode))
        }
        async fn manager(&self, ctx: &Context<'_>) -> Result<Option<PersonNode>> {
            Ok(one::<Person>(ctx, self.0.data.manager.as_ref()).await?.map(PersonNode))
        }
        /// People whose manager this person is.
        async fn reports(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<PersonNode>> {
            referring_conn::<Person, _>(ctx, "manager", &self.0.id, PersonNode, &page).await
        }
        /// Assets this person uses.
        async fn assigned_assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "assignee", &self.0.id, AssetNode, &page).await
        }
        /// Assets this person owns personally.
        async fn owned_assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "owner.person", &self.0.id, AssetNode, &page).await
        }
    }
);

entity_object!(
    /// A team, department or cost centre.
    TeamNode(Team) as "Team" {
        async fn name(&self) -> &str { &self.0.data.name }
        async fn cost_centre(&self) -> Option<&str> { self.0.data.cost_centre.as_deref() }
        async fn parent(&self, ctx: &Context<'_>) -> Result<Option<TeamNode>> {
            Ok(one::<Team>(ctx, self.0.data.parent.as_ref()).await?.map(TeamNode))
        }
        async fn children(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<TeamNode>> {
            referring_conn::<Team, _>(ctx, "parent", &self.0.id, TeamNode, &page).await
        }
        async fn members(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<PersonNode>> {
            referring_conn::<Person, _>(ctx, "team", &self.0.id, PersonNode, &page).await
        }
        /// Assets this team owns.
        async fn owned_assets(&self, ctx: &Context<'_>, page: Paging) -> Result<Conn<AssetNode>> {
            referring_conn::<Asset, _>(ctx, "owner.team", &self.0.id, AssetNode, &page).await
        }
    }
);
