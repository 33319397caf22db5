//! Software products (ISO/IEC 19770-2 style catalogue entries) and their measured concurrent use:
//! what installations and entitlements refer to.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_date;
use crate::domain::kernel::required_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, Problems, optional_text, required_text,
};

/// One version (and edition) of a product, as publishers sell and discovery tools report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareProduct {
    pub publisher: String,
    pub name: String,
    /// The product's version ("2021", "16.0"); `version` is the record's own revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edition: Option<String>,
    /// Groups the versions of one product; defaults to "publisher name".
    pub family: String,
    /// SWID / CoSWID tag id (ISO/IEC 19770-2), or another persistent id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_life: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<NaiveDate>,
    /// False for software that needs no entitlement (free and open-source software).
    pub needs_licence: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareProductDraft {
    pub publisher: Option<String>,
    pub name: Option<String>,
    pub product_version: Option<String>,
    pub edition: Option<String>,
    pub family: Option<String>,
    pub tag_id: Option<String>,
    pub end_of_life: Option<String>,
    pub end_of_support: Option<String>,
    pub needs_licence: Option<bool>,
}

impl Entity for SoftwareProduct {
    const KIND: EntityKind = EntityKind::SoftwareProduct;
    type Draft = SoftwareProductDraft;

    fn validate(d: SoftwareProductDraft) -> Result<SoftwareProduct, Vec<FieldError>> {
        let mut p = Problems::default();
        let publisher = p.take(required_text("publisher", d.publisher.as_deref(), MAX_NAME));
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let product_version = p
            .take(optional_text(
                "productVersion",
                d.product_version.as_deref(),
                100,
            ))
            .flatten();
        let edition = p
            .take(optional_text("edition", d.edition.as_deref(), 100))
            .flatten();
        let family = p
            .take(optional_text("family", d.family.as_deref(), MAX_NAME))
            .flatten();
        let tag_id = p
            .take(optional_text("tagId", d.tag_id.as_deref(), 400))
            .flatten();
        let end_of_life = p
            .take(optional_date("endOfLife", d.end_of_life.as_deref()))
            .flatten();
        let end_of_support = p
            .take(optional_date("endOfSupport", d.end_of_support.as_deref()))
            .flatten();
        p.finish(|| {
            let (publisher, name) = (publisher.expect("checked"), name.expect("checked"));
            SoftwareProduct {
                family: family.unwrap_or_else(|| format!("{publisher} {name}")),
                publisher,
                name,
                product_version,
                edition,
                tag_id,
                end_of_life,
                end_of_support,
                needs_licence: d.needs_licence.unwrap_or(true),
            }
        })
    }
}

/// Orders version strings the way people read them: runs of digits compare as numbers, other
/// runs as text ignoring case ("2.10" after "2.9", "2019" before "2021"); no version is oldest.
pub fn compare_versions(a: Option<&str>, b: Option<&str>) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(a), Some(b)) => {
            let (a, b) = (version_parts(a), version_parts(b));
            for (x, y) in a.iter().zip(&b) {
                let order = match (x, y) {
                    (Part::Number(x), Part::Number(y)) => x.cmp(y),
                    (Part::Text(x), Part::Text(y)) => x.cmp(y),
                    (Part::Number(_), Part::Text(_)) => Ordering::Greater,
                    (Part::Text(_), Part::Number(_)) => Ordering::Less,
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
            a.len().cmp(&b.len())
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Part {
    Number(u128),
    Text(String),
}

fn version_parts(version: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = version.trim();
    while let Some(c) = rest.chars().next() {
        let digit = c.is_ascii_digit();
        let end = rest
            .find(|ch: char| ch.is_ascii_digit() != digit || !ch.is_alphanumeric())
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end.max(c.len_utf8()));
        if digit {
            parts.push(Part::Number(run.parse().unwrap_or(u128::MAX)));
        } else if c.is_alphanumeric() {
            parts.push(Part::Text(run.to_lowercase()));
        }
        rest = tail;
    }
    parts
}

/// How many people used a product at once, measured by a licence server or an integration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareUsage {
    pub product: EntityId,
    pub measured_at: DateTime<Utc>,
    pub concurrent_users: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareUsageDraft {
    pub product: Option<String>,
    pub measured_at: Option<DateTime<Utc>>,
    pub concurrent_users: Option<i64>,
    pub source: Option<String>,
}

impl Entity for SoftwareUsage {
    const KIND: EntityKind = EntityKind::SoftwareUsage;
    type Draft = SoftwareUsageDraft;

    fn validate(d: SoftwareUsageDraft) -> Result<SoftwareUsage, Vec<FieldError>> {
        let mut p = Problems::default();
        let product = p.take(required_ref("product", d.product.as_deref()));
        let measured_at = d.measured_at;
        if measured_at.is_none() {
            p.push(FieldError::new(
                "measuredAt",
                ErrorCode::Required,
                "measuredAt is required",
            ));
        }
        let concurrent_users = p.take(count("concurrentUsers", d.concurrent_users, true));
        let source = p
            .take(optional_text("source", d.source.as_deref(), MAX_NAME))
            .flatten();
        p.finish(|| SoftwareUsage {
            product: product.expect("checked"),
            measured_at: measured_at.expect("checked"),
            concurrent_users: concurrent_users.flatten().expect("checked") as u32,
            source,
        })
    }
}

/// A count of at most a billion: refused when negative, required when `required`.
pub fn count(field: &str, value: Option<i64>, required: bool) -> Result<Option<u64>, FieldError> {
    match value {
        None if required => Err(FieldError::new(
            field,
            ErrorCode::Required,
            format!("{field} is required"),
        )),
        None => Ok(None),
        Some(n) if n < 0 => Err(FieldError::new(
            field,
            ErrorCode::Negative,
            format!("{field} cannot be below zero"),
        )),
        Some(n) if n > 1_000_000_000 => Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{field} is larger than a billion"),
        )),
        Some(n) => Ok(Some(n as u64)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_people_read_them() {
        let order = |a: &str, b: &str| compare_versions(Some(a), Some(b));
        assert_eq!(order("2.10", "2.9"), Ordering::Greater);
        assert_eq!(order("2019", "2021"), Ordering::Less);
        assert_eq!(order("16.0.1", "16.0"), Ordering::Greater);
        assert_eq!(order("11 SP2", "11 sp2"), Ordering::Equal);
        assert_eq!(order("8.0", "8.0.0"), Ordering::Less);
        assert_eq!(order("12c", "19c"), Ordering::Less);
        assert_eq!(compare_versions(None, Some("1")), Ordering::Less);
    }

    #[test]
    fn family_defaults_to_publisher_and_name() {
        let product = SoftwareProduct::validate(SoftwareProductDraft {
            publisher: Some("Microsoft".into()),
            name: Some("Visio".into()),
            product_version: Some("2021".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(product.family, "Microsoft Visio");
        assert!(product.needs_licence);
    }
}
