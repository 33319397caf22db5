//! The asset itself: classes and categories, lifecycle stage, status, purchase and warranty.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::depreciation::Depreciation;
use crate::domain::depreciation::{ModelDefaults, Profile, Settings, SettingsDraft};
use crate::domain::kernel::AssetClass;
use crate::domain::kernel::Category;
use crate::domain::kernel::optional_date;
use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, MAX_TEXT, Problems, optional_text, required_text,
};
use crate::domain::kernel::{Money, MoneyDraft};
use crate::domain::lifecycle::Custody;
use crate::domain::lifecycle::LifecycleStage;
use crate::domain::lifecycle::stage as lifecycle;
use crate::domain::lifecycle::{Disposal, DisposalDraft, StageFacts};

/// How the asset is running right now, independent of its lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationalStatus {
    Operational,
    Degraded,
    Down,
    Unknown,
}

/// Who is accountable for an asset: a team (cost centre) or a single person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Owner {
    Team(EntityId),
    Person(EntityId),
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerDraft {
    pub team: Option<String>,
    pub person: Option<String>,
}

/// How and when an asset was bought.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Purchase {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<Money>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseDraft {
    pub date: Option<String>,
    pub cost: Option<MoneyDraft>,
    pub order_number: Option<String>,
    pub invoice_number: Option<String>,
}

/// An identifier of the asset in another system (discovery tool, ERP, cloud provider).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalId {
    pub source: String,
    pub key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdDraft {
    pub source: Option<String>,
    pub key: Option<String>,
}

/// A registered IT asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    pub name: String,
    pub asset_tag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    pub class: AssetClass,
    pub category: Category,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<EntityId>,
    pub lifecycle_stage: LifecycleStage,
    pub status: OperationalStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase: Option<Purchase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warranty_start: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warranty_end: Option<NaiveDate>,
    /// Overrides the model's end of life for this asset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_life: Option<NaiveDate>,
    /// Overrides the model's end of support for this asset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<NaiveDate>,
    /// The asset's own depreciation settings, over its model's and its class's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depreciation: Option<Settings>,
    /// How it left the organisation; only a disposed asset has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disposal: Option<Disposal>,
    /// Its current loan, while checked out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custody: Option<Custody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub tags: Vec<String>,
    pub attributes: serde_json::Map<String, Value>,
    pub external_ids: Vec<ExternalId>,
    /// False while an asset first seen by discovery waits for someone to accept it.
    #[serde(default = "yes")]
    pub managed: bool,
    /// The discovery source that set each field (by document path); fields people set are absent.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub field_sources: BTreeMap<String, String>,
    /// Assets people declared to be other machines, whatever identifiers they share.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distinct_from: Vec<EntityId>,
    /// Assets merged into this one; their history is part of this asset's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<EntityId>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetDraft {
    pub name: Option<String>,
    pub asset_tag: Option<String>,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub class: Option<AssetClass>,
    /// Derived from the class; accepted so a stored document reads back as a draft.
    pub category: Option<Category>,
    pub model: Option<String>,
    pub lifecycle_stage: Option<LifecycleStage>,
    pub status: Option<OperationalStatus>,
    pub owner: Option<OwnerDraft>,
    pub assignee: Option<String>,
    pub location: Option<String>,
    pub vendor: Option<String>,
    pub purchase: Option<PurchaseDraft>,
    pub warranty_start: Option<String>,
    pub warranty_end: Option<String>,
    pub end_of_life: Option<String>,
    pub end_of_support: Option<String>,
    pub depreciation: Option<SettingsDraft>,
    pub disposal: Option<DisposalDraft>,
    /// Set only by check-out and check-in, which check it themselves.
    pub custody: Option<Custody>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    pub attributes: Option<Value>,
    pub external_ids: Option<Vec<ExternalIdDraft>>,
    /// Set only by discovery and by accepting or merging assets.
    pub managed: Option<bool>,
    pub field_sources: Option<BTreeMap<String, String>>,
    pub distinct_from: Option<Vec<EntityId>>,
    pub merged_from: Option<Vec<EntityId>>,
}

fn owner(draft: Option<OwnerDraft>) -> Result<Option<Owner>, FieldError> {
    let Some(draft) = draft else { return Ok(None) };
    let team = optional_ref("owner.team", draft.team.as_deref())?;
    let person = optional_ref("owner.person", draft.person.as_deref())?;
    match (team, person) {
        (Some(_), Some(_)) => Err(FieldError::new(
            "owner",
            ErrorCode::Invalid,
            "an owner is a team or a person, not both",
        )),
        (Some(team), None) => Ok(Some(Owner::Team(team))),
        (None, Some(person)) => Ok(Some(Owner::Person(person))),
        (None, None) => Ok(None),
    }
}

fn purchase(draft: Option<PurchaseDraft>) -> Result<Option<Purchase>, FieldError> {
    let Some(draft) = draft else { return Ok(None) };
    let purchase = Purchase {
        date: optional_date("purchase.date", draft.date.as_deref())?,
        cost: draft
            .cost
            .as_ref()
            .map(|c| Money::parse("purchase.cost", c))
            .transpose()?,
        order_number: optional_text(
            "purchase.orderNumber",
            draft.order_number.as_deref(),
            MAX_NAME,
        )?,
        invoice_number: optional_text(
            "purchase.invoiceNumber",
            draft.invoice_number.as_deref(),
            MAX_NAME,
        )?,
    };
    Ok((purchase != Purchase::default()).then_some(purchase))
}

fn tags(draft: Option<Vec<String>>) -> Result<Vec<String>, FieldError> {
    let mut tags = Vec::new();
    for tag in draft.unwrap_or_default() {
        let tag = required_text("tags", Some(&tag), MAX_NAME)?.to_lowercase();
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > 50 {
        return Err(FieldError::new(
            "tags",
            ErrorCode::Invalid,
            "an asset has at most 50 tags",
        ));
    }
    Ok(tags)
}

fn attributes(draft: Option<Value>) -> Result<serde_json::Map<String, Value>, FieldError> {
    match draft {
        None | Some(Value::Null) => Ok(Default::default()),
        Some(Value::Object(map)) => {
            if serde_json::to_string(&map)
                .map(|s| s.len())
                .unwrap_or(usize::MAX)
                > 64 * 1024
            {
                return Err(FieldError::new(
                    "attributes",
                    ErrorCode::TooLong,
                    "attributes exceed 64 KiB",
                ));
            }
            Ok(map)
        }
        Some(_) => Err(FieldError::new(
            "attributes",
            ErrorCode::Invalid,
            "attributes must be a JSON object",
        )),
    }
}

fn external_ids(draft: Option<Vec<ExternalIdDraft>>) -> Result<Vec<ExternalId>, FieldError> {
    let mut ids: Vec<ExternalId> = Vec::new();
    for (i, item) in draft.unwrap_or_default().into_iter().enumerate() {
        let source = required_text(
            &format!("externalIds[{i}].source"),
            item.source.as_deref(),
            MAX_NAME,
        )?;
        let key = required_text(
            &format!("externalIds[{i}].key"),
            item.key.as_deref(),
            MAX_NAME,
        )?;
        if ids.iter().any(|e| e.source == source) {
            return Err(FieldError::new(
                format!("externalIds[{i}].source"),
                ErrorCode::Invalid,
                format!("an asset has one external id per source; {source:?} is repeated"),
            ));
        }
        ids.push(ExternalId { source, key });
    }
    Ok(ids)
}

impl Asset {
    /// How the asset depreciates, bought for its purchase cost: `None` when there is nothing to
    /// depreciate (no cost, or no in-service or purchase date); an error names the setting that
    /// does not fit.
    pub fn depreciate(
        &self,
        model: ModelDefaults,
        fiscal_year_start_month: u32,
    ) -> Option<Result<(Profile, Depreciation), FieldError>> {
        let purchase = self.purchase.as_ref()?;
        let cost = purchase.cost.as_ref()?;
        let settings = self.depreciation.as_ref();
        let profile = crate::domain::depreciation::resolve(
            self.class,
            settings,
            model,
            purchase.date,
            fiscal_year_start_month,
        )?;
        Some(
            crate::domain::depreciation::check_against_cost(cost, settings, &profile)
                .map(|d| (profile, d)),
        )
    }
}

impl Entity for Asset {
    const KIND: EntityKind = EntityKind::Asset;
    type Draft = AssetDraft;
    const MANAGED: &'static [&'static str] = &[
        "lifecycleStage",
        "disposal",
        "custody",
        "managed",
        "fieldSources",
        "distinctFrom",
        "mergedFrom",
    ];

    fn claim_for_people(&mut self, fields: &[String]) {
        let within = |field: &str, root: &str| {
            field == root
                || field.strip_prefix(root).is_some_and(|r| r.starts_with('.'))
                || root.strip_prefix(field).is_some_and(|r| r.starts_with('.'))
        };
        self.field_sources
            .retain(|path, _| !fields.iter().any(|f| within(f, path)));
    }

    fn validate(d: AssetDraft) -> Result<Asset, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let asset_tag = p.take(required_text("assetTag", d.asset_tag.as_deref(), MAX_NAME));
        let serial_number = p
            .take(optional_text(
                "serialNumber",
                d.serial_number.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let manufacturer = p
            .take(optional_text(
                "manufacturer",
                d.manufacturer.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        if d.class.is_none() {
            p.push(FieldError::new(
                "class",
                ErrorCode::Required,
                "class is required",
            ));
        }
        let model = p.take(optional_ref("model", d.model.as_deref())).flatten();
        let owner = p.take(owner(d.owner)).flatten();
        let assignee = p
            .take(optional_ref("assignee", d.assignee.as_deref()))
            .flatten();
        let location = p
            .take(optional_ref("location", d.location.as_deref()))
            .flatten();
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let purchase = p.take(purchase(d.purchase)).flatten();
        let date = |p: &mut Problems, field: &str, value: Option<&str>| {
            p.take(optional_date(field, value)).flatten()
        };
        let warranty_start = date(&mut p, "warrantyStart", d.warranty_start.as_deref());
        let warranty_end = date(&mut p, "warrantyEnd", d.warranty_end.as_deref());
        let end_of_life = date(&mut p, "endOfLife", d.end_of_life.as_deref());
        let end_of_support = date(&mut p, "endOfSupport", d.end_of_support.as_deref());
        let depreciation = p
            .take_all(crate::domain::depreciation::settings(d.depreciation))
            .flatten();
        let disposal = p.take_all(lifecycle::disposal(d.disposal)).flatten();
        let notes = p
            .take(optional_text("notes", d.notes.as_deref(), MAX_TEXT))
            .flatten();
        let tags = p.take(tags(d.tags));
        let attributes = p.take(attributes(d.attributes));
        let external_ids = p.take(external_ids(d.external_ids));
        if let (Some(end), Some(bought)) = (warranty_end, purchase.as_ref().and_then(|p| p.date))
            && end < bought
        {
            p.push(FieldError::new(
                "warrantyEnd",
                ErrorCode::Invalid,
                "warranty cannot end before the purchase date",
            ));
        }
        if let (Some(start), Some(end)) = (warranty_start, warranty_end)
            && end < start
        {
            p.push(FieldError::new(
                "warrantyEnd",
                ErrorCode::Invalid,
                "warranty cannot end before it starts",
            ));
        }
        let cost = purchase.as_ref().and_then(|p| p.cost.as_ref());
        if let (Some(cost), Some(class)) = (cost, d.class) {
            let in_service = purchase.as_ref().and_then(|p| p.date);
            let profile = crate::domain::depreciation::resolve(
                class,
                depreciation.as_ref(),
                ModelDefaults::default(),
                in_service,
                1,
            );
            if let Some(profile) = profile
                && let Err(e) = crate::domain::depreciation::check_against_cost(
                    cost,
                    depreciation.as_ref(),
                    &profile,
                )
            {
                p.push(e);
            }
        }
        let stage = d.lifecycle_stage.unwrap_or(LifecycleStage::InStock);
        if let Some(class) = d.class {
            let facts = StageFacts {
                class,
                stage,
                has_assignee: assignee.is_some(),
                has_location: location.is_some(),
                has_owner: owner.is_some(),
                has_vendor: vendor.is_some(),
                order_number: purchase.as_ref().and_then(|p| p.order_number.as_deref()),
                disposal: disposal.as_ref(),
            };
            lifecycle::stage_requirements(&facts)
                .into_iter()
                .for_each(|e| p.push(e));
        }
        if serial_number.is_some() && manufacturer.is_none() {
            p.push(FieldError::new(
                "manufacturer",
                ErrorCode::Required,
                "a serial number is only unique together with its manufacturer",
            ));
        }
        p.finish(|| {
            let class = d.class.expect("checked above");
            Asset {
                name: name.expect("checked"),
                asset_tag: asset_tag.expect("checked"),
                serial_number,
                manufacturer,
                class,
                category: class.category(),
                model,
                lifecycle_stage: stage,
                status: d.status.unwrap_or(OperationalStatus::Unknown),
                owner,
                assignee,
                location,
                vendor,
                purchase,
                warranty_start,
                warranty_end,
                end_of_life,
                end_of_support,
                depreciation,
                disposal,
                custody: d.custody,
                notes,
                tags: tags.expect("checked"),
                attributes: attributes.expect("checked"),
                external_ids: external_ids.expect("checked"),
                managed: d.managed.unwrap_or(true),
                field_sources: d.field_sources.unwrap_or_default(),
                distinct_from: d.distinct_from.unwrap_or_default(),
                merged_from: d.merged_from.unwrap_or_default(),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> AssetDraft {
        AssetDraft {
            name: Some("web01".into()),
            asset_tag: Some("AG-0001".into()),
            class: Some(AssetClass::Server),
            ..Default::default()
        }
    }

    #[test]
    fn every_class_has_a_category() {
        assert_eq!(AssetClass::Phone.category(), Category::Mobile);
        assert_eq!(AssetClass::VirtualMachine.category(), Category::Cloud);
        let total: usize = [
            Category::Hardware,
            Category::Mobile,
            Category::Network,
            Category::Software,
            Category::Cloud,
            Category::Service,
        ]
        .into_iter()
        .map(|c| AssetClass::in_category(c).len())
        .sum();
        assert_eq!(total, AssetClass::ALL.len());
    }

    #[test]
    fn minimal_asset_gets_defaults() {
        let a = Asset::validate(draft()).unwrap();
        assert_eq!(a.category, Category::Hardware);
        assert_eq!(a.lifecycle_stage, LifecycleStage::InStock);
        assert_eq!(a.status, OperationalStatus::Unknown);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errors = Asset::validate(AssetDraft {
            warranty_end: Some("2024-13-01".into()),
            purchase: Some(PurchaseDraft {
                cost: Some(MoneyDraft {
                    amount: Some("-5".into()),
                    currency: Some("EUR".into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "assetTag",
                "class",
                "purchase.cost.amount",
                "warrantyEnd"
            ]
        );
    }

    #[test]
    fn owner_is_team_or_person() {
        let both = AssetDraft {
            owner: Some(OwnerDraft {
                team: Some("t1".into()),
                person: Some("p1".into()),
            }),
            ..draft()
        };
        assert_eq!(Asset::validate(both).unwrap_err()[0].field, "owner");
    }

    #[test]
    fn serial_needs_manufacturer_and_warranty_follows_purchase() {
        let d = AssetDraft {
            serial_number: Some("SN1".into()),
            warranty_end: Some("2020-01-01".into()),
            purchase: Some(PurchaseDraft {
                date: Some("2021-01-01".into()),
                ..Default::default()
            }),
            ..draft()
        };
        let fields: Vec<_> = Asset::validate(d)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["warrantyEnd", "manufacturer"]);
    }

    #[test]
    fn stored_document_reads_back_as_the_same_asset() {
        let mut d = draft();
        d.tags = Some(vec!["Prod".into(), "prod".into()]);
        d.attributes = Some(serde_json::json!({"cpuCores": 8}));
        d.owner = Some(OwnerDraft {
            team: Some("t1".into()),
            person: None,
        });
        let asset = Asset::validate(d).unwrap();
        assert_eq!(asset.tags, ["prod"]);
        let back: AssetDraft =
            serde_json::from_value(serde_json::to_value(&asset).unwrap()).unwrap();
        assert_eq!(Asset::validate(back).unwrap(), asset);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn text() -> impl Strategy<Value = Option<String>> {
        prop::option::of(prop_oneof![
            "[a-zA-Z0-9 -]{0,12}",
            ".{0,3}",
            Just(" ".to_string())
        ])
    }

    fn draft() -> impl Strategy<Value = AssetDraft> {
        (
            (text(), text(), text(), text()),
            prop::option::of(prop::sample::select(AssetClass::ALL.to_vec())),
            (
                text(),
                text(),
                prop::option::of("[0-9]{1,6}(\\.[0-9]{1,5})?|-[0-9]{1,3}"),
                prop::option::of("EUR|USD|eur|XYZ"),
            ),
            prop::option::of(prop::collection::vec("[A-Za-z]{1,6}", 0..4)),
        )
            .prop_map(
                |(
                    (name, tag, serial, manufacturer),
                    class,
                    (date, warranty, amount, currency),
                    tags,
                )| AssetDraft {
                    name,
                    asset_tag: tag,
                    serial_number: serial,
                    manufacturer,
                    class,
                    purchase: Some(PurchaseDraft {
                        date,
                        cost: Some(MoneyDraft { amount, currency }),
                        ..Default::default()
                    }),
                    warranty_end: warranty,
                    tags,
                    ..Default::default()
                },
            )
    }

    proptest! {
        /// Any draft either validates into an asset that survives the store round trip unchanged,
        /// or is refused with at least one field error; validation never panics.
        #[test]
        fn validation_is_total_and_valid_assets_round_trip(d in draft()) {
            match Asset::validate(d) {
                Ok(asset) => {
                    let back: AssetDraft = serde_json::from_value(serde_json::to_value(&asset).unwrap()).unwrap();
                    prop_assert_eq!(Asset::validate(back).unwrap(), asset);
                }
                Err(errors) => prop_assert!(!errors.is_empty()),
            }
        }
    }
}
