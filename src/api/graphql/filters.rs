//! Filter and sort inputs, translated into the domain's [`Filter`] and [`Sort`].

use crate::api::graphql::Date;
use std::collections::HashMap;

use async_graphql::{Enum, EnumType, ID, InputObject, InputType};
use serde::Serialize;
use serde_json::{Value, json};

use crate::api::graphql::enums::{
    AssetClass, Category, LifecycleStage, LocationKind, OperationalStatus, OrderDirection,
};
use crate::api::graphql::errors::bad_input;
use crate::api::graphql::ids;
use crate::domain::kernel::{Comparison, Condition, Filter, Sort};
use crate::domain::kernel::{EntityId, EntityKind};

/// Expansions the filter needs from the store before it can be compiled (location subtrees).
pub type Subtrees = HashMap<EntityId, Vec<EntityId>>;

fn values<T: Serialize>(items: &[T]) -> Vec<Value> {
    items.iter().map(|i| json!(i)).collect()
}

fn one_of(path: &'static str, values: Vec<Value>) -> Filter {
    Filter::Where(Condition::OneOf { path, values })
}

fn id_values(kind: EntityKind, field: &str, given: &[ID]) -> async_graphql::Result<Vec<Value>> {
    given
        .iter()
        .map(|id| {
            ids::decode(kind, id)
                .map(|key| Value::String(key.to_string()))
                .ok_or_else(|| bad_input(format!("{field}: {:?} is not a {kind} id", id.as_str())))
        })
        .collect()
}

fn text(paths: &'static [&'static str], needle: &str) -> async_graphql::Result<Filter> {
    let needle = needle.trim();
    if needle.is_empty() {
        return Err(bad_input("text: give at least one character to search for"));
    }
    Ok(Filter::Where(Condition::Text {
        paths,
        needle: needle.to_string(),
    }))
}

/// An inclusive date range; either end may be left open.
#[derive(InputObject, Clone)]
pub struct DateRange {
    pub from: Option<Date>,
    pub to: Option<Date>,
}

impl DateRange {
    fn filter(&self, path: &'static str) -> Filter {
        let bound = |d: Option<Date>| d.map(|d| json!(d.0.format("%Y-%m-%d").to_string()));
        Filter::Where(Condition::Between {
            path,
            min: bound(self.from),
            max: bound(self.to),
            comparison: Comparison::Text,
        })
    }
}

/// An inclusive cost range in one currency (amounts in different currencies are not compared).
#[derive(InputObject, Clone)]
pub struct MoneyRange {
    pub min: Option<String>,
    pub max: Option<String>,
    pub currency: Option<String>,
}

impl MoneyRange {
    fn filter(
        &self,
        path: &'static str,
        currency_path: &'static str,
    ) -> async_graphql::Result<Filter> {
        let bound = |v: &Option<String>| -> async_graphql::Result<Option<Value>> {
            v.as_ref()
                .map(|a| {
                    a.trim()
                        .parse::<rust_decimal::Decimal>()
                        .map(|d| json!(d.to_string()))
                        .map_err(|_| bad_input(format!("{a:?} is not a decimal amount")))
                })
                .transpose()
        };
        let mut parts = vec![Filter::Where(Condition::Between {
            path,
            min: bound(&self.min)?,
            max: bound(&self.max)?,
            comparison: Comparison::Decimal,
        })];
        if let Some(currency) = &self.currency {
            parts.push(one_of(
                currency_path,
                vec![json!(currency.trim().to_ascii_uppercase())],
            ));
        }
        Ok(Filter::All(parts))
    }
}

/// A filter input: its own conditions plus the AND / OR / NOT combinators.
pub trait FilterInput: Sized {
    fn own(&self, subtrees: &Subtrees) -> async_graphql::Result<Vec<Filter>>;
    fn and(&self) -> Option<&[Self]>;
    fn or(&self) -> Option<&[Self]>;
    fn not(&self) -> Option<&Self>;

    /// Every `locationWithin` id anywhere in the filter.
    fn subtree_roots(&self) -> Vec<ID> {
        Vec::new()
    }
}

/// All of the filter's fields must hold; `or` needs one of its alternatives; `not` must fail.
pub fn compile<F: FilterInput>(input: &F, subtrees: &Subtrees) -> async_graphql::Result<Filter> {
    let mut all = input.own(subtrees)?;
    for nested in input.and().unwrap_or_default() {
        all.push(compile(nested, subtrees)?);
    }
    if let Some(alternatives) = input.or() {
        all.push(Filter::Any(
            alternatives
                .iter()
                .map(|f| compile(f, subtrees))
                .collect::<Result<_, _>>()?,
        ));
    }
    if let Some(negated) = input.not() {
        all.push(Filter::Not(Box::new(compile(negated, subtrees)?)));
    }
    Ok(Filter::All(all))
}

macro_rules! combinators {
    ($input:ty) => {
        fn and(&self) -> Option<&[Self]> {
            self.and.as_deref()
        }
        fn or(&self) -> Option<&[Self]> {
            self.or.as_deref()
        }
        fn not(&self) -> Option<&Self> {
            self.not.as_deref()
        }
    };
}

/// Which assets to list. Fields combine with AND; list fields match any of their values.
#[derive(InputObject, Default)]
pub struct AssetFilter {
    pub class: Option<Vec<AssetClass>>,
    pub category: Option<Vec<Category>>,
    pub lifecycle_stage: Option<Vec<LifecycleStage>>,
    pub status: Option<Vec<OperationalStatus>>,
    /// Team or person ids.
    pub owner: Option<Vec<ID>>,
    pub assignee: Option<Vec<ID>>,
    /// Assets recorded directly at these locations.
    pub location: Option<Vec<ID>>,
    /// Assets at this location or anywhere below it (a site includes its buildings, rooms and racks).
    pub location_within: Option<ID>,
    pub vendor: Option<Vec<ID>>,
    pub model: Option<Vec<ID>>,
    /// Assets carrying this tag.
    pub tag: Option<String>,
    /// Case-insensitive search in name, asset tag, serial number and hostname.
    pub text: Option<String>,
    pub purchase_date: Option<DateRange>,
    pub purchase_cost: Option<MoneyRange>,
    pub warranty_end: Option<DateRange>,
    pub and: Option<Vec<AssetFilter>>,
    pub or: Option<Vec<AssetFilter>>,
    pub not: Option<Box<AssetFilter>>,
}

impl FilterInput for AssetFilter {
    fn own(&self, subtrees: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        let mut f = Vec::new();
        if let Some(v) = &self.class {
            f.push(one_of("class", values(v)));
        }
        if let Some(v) = &self.category {
            f.push(one_of("category", values(v)));
        }
        if let Some(v) = &self.lifecycle_stage {
            f.push(one_of("lifecycleStage", values(v)));
        }
        if let Some(v) = &self.status {
            f.push(one_of("status", values(v)));
        }
        if let Some(owners) = &self.owner {
            let mut teams = Vec::new();
            let mut people = Vec::new();
            for id in owners {
                match ids::decode_any(id) {
                    Some((EntityKind::Team, key)) => teams.push(json!(key)),
                    Some((EntityKind::Person, key)) => people.push(json!(key)),
                    _ => {
                        return Err(bad_input(format!(
                            "owner: {:?} is not a Team or Person id",
                            id.as_str()
                        )));
                    }
                }
            }
            f.push(Filter::Any(vec![
                one_of("owner.team", teams),
                one_of("owner.person", people),
            ]));
        }
        if let Some(v) = &self.assignee {
            f.push(one_of(
                "assignee",
                id_values(EntityKind::Person, "assignee", v)?,
            ));
        }
        if let Some(v) = &self.location {
            f.push(one_of(
                "location",
                id_values(EntityKind::Location, "location", v)?,
            ));
        }
        if let Some(root) = &self.location_within {
            let key = ids::decode(EntityKind::Location, root)
                .ok_or_else(|| bad_input("locationWithin: not a Location id"))?;
            let within = subtrees
                .get(&key)
                .map(|ids| ids.iter().map(|id| json!(id)).collect())
                .unwrap_or_default();
            f.push(one_of("location", within));
        }
        if let Some(v) = &self.vendor {
            f.push(one_of(
                "vendor",
                id_values(EntityKind::Vendor, "vendor", v)?,
            ));
        }
        if let Some(v) = &self.model {
            f.push(one_of("model", id_values(EntityKind::Model, "model", v)?));
        }
        if let Some(tag) = &self.tag {
            f.push(Filter::Where(Condition::Holds {
                path: "tags",
                value: json!(tag.trim().to_lowercase()),
            }));
        }
        if let Some(needle) = &self.text {
            f.push(text(
                &["name", "assetTag", "serialNumber", "attributes.hostname"],
                needle,
            )?);
        }
        if let Some(range) = &self.purchase_date {
            f.push(range.filter("purchase.date"));
        }
        if let Some(range) = &self.purchase_cost {
            f.push(range.filter("purchase.cost.amount", "purchase.cost.currency")?);
        }
        if let Some(range) = &self.warranty_end {
            f.push(range.filter("warrantyEnd"));
        }
        Ok(f)
    }

    combinators!(AssetFilter);

    fn subtree_roots(&self) -> Vec<ID> {
        let nested = self
            .and
            .iter()
            .chain(self.or.iter())
            .flatten()
            .chain(self.not.as_deref());
        self.location_within
            .iter()
            .cloned()
            .chain(nested.flat_map(FilterInput::subtree_roots))
            .collect()
    }
}

#[derive(InputObject, Default)]
pub struct PersonFilter {
    pub team: Option<Vec<ID>>,
    pub manager: Option<Vec<ID>>,
    /// Case-insensitive search in name, email and title.
    pub text: Option<String>,
    pub and: Option<Vec<PersonFilter>>,
    pub or: Option<Vec<PersonFilter>>,
    pub not: Option<Box<PersonFilter>>,
}

impl FilterInput for PersonFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        let mut f = Vec::new();
        if let Some(v) = &self.team {
            f.push(one_of("team", id_values(EntityKind::Team, "team", v)?));
        }
        if let Some(v) = &self.manager {
            f.push(one_of(
                "manager",
                id_values(EntityKind::Person, "manager", v)?,
            ));
        }
        if let Some(needle) = &self.text {
            f.push(text(&["name", "email", "title"], needle)?);
        }
        Ok(f)
    }
    combinators!(PersonFilter);
}

#[derive(InputObject, Default)]
pub struct TeamFilter {
    pub parent: Option<Vec<ID>>,
    /// Case-insensitive search in name and cost centre.
    pub text: Option<String>,
    pub and: Option<Vec<TeamFilter>>,
    pub or: Option<Vec<TeamFilter>>,
    pub not: Option<Box<TeamFilter>>,
}

impl FilterInput for TeamFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        let mut f = Vec::new();
        if let Some(v) = &self.parent {
            f.push(one_of("parent", id_values(EntityKind::Team, "parent", v)?));
        }
        if let Some(needle) = &self.text {
            f.push(text(&["name", "costCentre"], needle)?);
        }
        Ok(f)
    }
    combinators!(TeamFilter);
}

#[derive(InputObject, Default)]
pub struct LocationFilter {
    pub kind: Option<Vec<LocationKind>>,
    pub parent: Option<Vec<ID>>,
    /// Case-insensitive search in name and address.
    pub text: Option<String>,
    pub and: Option<Vec<LocationFilter>>,
    pub or: Option<Vec<LocationFilter>>,
    pub not: Option<Box<LocationFilter>>,
}

impl FilterInput for LocationFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        let mut f = Vec::new();
        if let Some(v) = &self.kind {
            f.push(one_of("kind", values(v)));
        }
        if let Some(v) = &self.parent {
            f.push(one_of(
                "parent",
                id_values(EntityKind::Location, "parent", v)?,
            ));
        }
        if let Some(needle) = &self.text {
            f.push(text(&["name", "address"], needle)?);
        }
        Ok(f)
    }
    combinators!(LocationFilter);
}

#[derive(InputObject, Default)]
pub struct VendorFilter {
    /// Case-insensitive search in name and website.
    pub text: Option<String>,
    pub and: Option<Vec<VendorFilter>>,
    pub or: Option<Vec<VendorFilter>>,
    pub not: Option<Box<VendorFilter>>,
}

impl FilterInput for VendorFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        self.text
            .iter()
            .map(|needle| text(&["name", "website"], needle))
            .collect()
    }
    combinators!(VendorFilter);
}

#[derive(InputObject, Default)]
pub struct ModelFilter {
    pub category: Option<Vec<Category>>,
    pub vendor: Option<Vec<ID>>,
    /// Case-insensitive search in name and manufacturer.
    pub text: Option<String>,
    pub and: Option<Vec<ModelFilter>>,
    pub or: Option<Vec<ModelFilter>>,
    pub not: Option<Box<ModelFilter>>,
}

impl FilterInput for ModelFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        let mut f = Vec::new();
        if let Some(v) = &self.category {
            f.push(one_of("category", values(v)));
        }
        if let Some(v) = &self.vendor {
            f.push(one_of(
                "vendor",
                id_values(EntityKind::Vendor, "vendor", v)?,
            ));
        }
        if let Some(needle) = &self.text {
            f.push(text(&["name", "manufacturer"], needle)?);
        }
        Ok(f)
    }
    combinators!(ModelFilter);
}

/// A sortable field of some entity: its document path and how its values compare.
pub trait OrderField: EnumType + InputType + Copy {
    fn sort_key(self) -> (&'static str, Comparison);
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum AssetOrderField {
    Name,
    AssetTag,
    Class,
    LifecycleStage,
    Status,
    PurchaseDate,
    PurchaseCost,
    WarrantyEnd,
    CreatedAt,
    UpdatedAt,
}

impl OrderField for AssetOrderField {
    fn sort_key(self) -> (&'static str, Comparison) {
        match self {
            AssetOrderField::Name => ("name", Comparison::Text),
            AssetOrderField::AssetTag => ("assetTag", Comparison::Text),
            AssetOrderField::Class => ("class", Comparison::Text),
            AssetOrderField::LifecycleStage => ("lifecycleStage", Comparison::Text),
            AssetOrderField::Status => ("status", Comparison::Text),
            AssetOrderField::PurchaseDate => ("purchase.date", Comparison::Text),
            AssetOrderField::PurchaseCost => ("purchase.cost.amount", Comparison::Decimal),
            AssetOrderField::WarrantyEnd => ("warrantyEnd", Comparison::Text),
            AssetOrderField::CreatedAt => ("createdAt", Comparison::Instant),
            AssetOrderField::UpdatedAt => ("updatedAt", Comparison::Instant),
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum PersonOrderField {
    Name,
    Email,
    CreatedAt,
    UpdatedAt,
}

impl OrderField for PersonOrderField {
    fn sort_key(self) -> (&'static str, Comparison) {
        match self {
            PersonOrderField::Name => ("name", Comparison::Text),
            PersonOrderField::Email => ("email", Comparison::Text),
            PersonOrderField::CreatedAt => ("createdAt", Comparison::Instant),
            PersonOrderField::UpdatedAt => ("updatedAt", Comparison::Instant),
        }
    }
}

/// Sort fields shared by teams, locations, vendors and models.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum NamedOrderField {
    Name,
    CreatedAt,
    UpdatedAt,
}

impl OrderField for NamedOrderField {
    fn sort_key(self) -> (&'static str, Comparison) {
        match self {
            NamedOrderField::Name => ("name", Comparison::Text),
            NamedOrderField::CreatedAt => ("createdAt", Comparison::Instant),
            NamedOrderField::UpdatedAt => ("updatedAt", Comparison::Instant),
        }
    }
}

/// A sort order; ties are broken by id so pages are stable.
#[derive(InputObject)]
#[graphql(concrete(name = "AssetOrder", params(AssetOrderField)))]
#[graphql(concrete(name = "PersonOrder", params(PersonOrderField)))]
#[graphql(concrete(name = "NamedOrder", params(NamedOrderField)))]
pub struct Order<F: OrderField> {
    pub field: F,
    #[graphql(default)]
    pub direction: OrderDirection,
}

/// The sort for an optional order argument; by name, ascending, when none is given.
pub fn sort<F: OrderField>(order: Option<Order<F>>, default: F) -> Sort {
    let (field, descending) = order.map_or((default, false), |o| {
        (o.field, o.direction == OrderDirection::Desc)
    });
    let (path, comparison) = field.sort_key();
    Sort {
        path,
        comparison,
        descending,
    }
}

/// A search by name, for products, entitlements, subscriptions and contracts.
#[derive(InputObject, Default)]
pub struct NameFilter {
    /// Case-insensitive search in the name.
    pub text: Option<String>,
    pub and: Option<Vec<NameFilter>>,
    pub or: Option<Vec<NameFilter>>,
    pub not: Option<Box<NameFilter>>,
}

impl FilterInput for NameFilter {
    fn own(&self, _: &Subtrees) -> async_graphql::Result<Vec<Filter>> {
        self.text
            .iter()
            .map(|needle| text(&["name"], needle))
            .collect()
    }
    combinators!(NameFilter);
}
