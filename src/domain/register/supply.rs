//! Vendors and hardware/software models: who supplies assets and what they are.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::depreciation::{Method, ModelDefaults};
use crate::domain::kernel::Category;
use crate::domain::kernel::optional_date;
use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, Problems, http_url, optional_text, required_text,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Vendor {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support_phone: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VendorDraft {
    pub name: Option<String>,
    pub website: Option<String>,
    pub support_email: Option<String>,
    pub support_phone: Option<String>,
}

fn website(value: Option<&str>) -> Result<Option<String>, FieldError> {
    http_url("website", value)
}

impl Entity for Vendor {
    const KIND: EntityKind = EntityKind::Vendor;
    type Draft = VendorDraft;

    fn validate(d: VendorDraft) -> Result<Vendor, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let website = p.take(website(d.website.as_deref())).flatten();
        let support_email = match d
            .support_email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            None => None,
            Some(e) => p.take(crate::domain::register::party::parse_email(
                "supportEmail",
                Some(e),
            )),
        };
        let support_phone = p
            .take(optional_text(
                "supportPhone",
                d.support_phone.as_deref(),
                50,
            ))
            .flatten();
        p.finish(|| Vendor {
            name: name.expect("checked"),
            website,
            support_email,
            support_phone,
        })
    }
}

/// A product line: what many assets are instances of, with its support horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub name: String,
    pub manufacturer: String,
    pub category: Category,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_life: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_of_support: Option<NaiveDate>,
    /// Default useful life for depreciation, in months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub useful_life_months: Option<u32>,
    /// Default depreciation method of its instances.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depreciation_method: Option<Method>,
}

impl Model {
    /// What the model says about depreciating its instances.
    pub fn depreciation_defaults(&self) -> ModelDefaults {
        ModelDefaults {
            method: self.depreciation_method,
            useful_life_months: self.useful_life_months,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDraft {
    pub name: Option<String>,
    pub manufacturer: Option<String>,
    pub category: Option<Category>,
    pub vendor: Option<String>,
    pub end_of_life: Option<String>,
    pub end_of_support: Option<String>,
    pub useful_life_months: Option<i64>,
    pub depreciation_method: Option<Method>,
}

impl Entity for Model {
    const KIND: EntityKind = EntityKind::Model;
    type Draft = ModelDraft;

    fn validate(d: ModelDraft) -> Result<Model, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let manufacturer = p.take(required_text(
            "manufacturer",
            d.manufacturer.as_deref(),
            MAX_NAME,
        ));
        if d.category.is_none() {
            p.push(FieldError::new(
                "category",
                ErrorCode::Required,
                "category is required",
            ));
        }
        let vendor = p
            .take(optional_ref("vendor", d.vendor.as_deref()))
            .flatten();
        let end_of_life = p
            .take(optional_date("endOfLife", d.end_of_life.as_deref()))
            .flatten();
        let end_of_support = p
            .take(optional_date("endOfSupport", d.end_of_support.as_deref()))
            .flatten();
        let useful_life_months = match d.useful_life_months {
            None => None,
            Some(m @ 1..=600) => Some(m as u32),
            Some(_) => {
                p.push(FieldError::new(
                    "usefulLifeMonths",
                    ErrorCode::Invalid,
                    "useful life must be 1 to 600 months",
                ));
                None
            }
        };
        if d.depreciation_method == Some(Method::SumOfYearsDigits)
            && useful_life_months.is_some_and(|m| !m.is_multiple_of(12))
        {
            p.push(FieldError::new(
                "usefulLifeMonths",
                ErrorCode::Invalid,
                "sum-of-years'-digits needs a useful life in whole years",
            ));
        }
        p.finish(|| Model {
            name: name.expect("checked"),
            manufacturer: manufacturer.expect("checked"),
            category: d.category.expect("checked"),
            vendor,
            end_of_life,
            end_of_support,
            useful_life_months,
            depreciation_method: d.depreciation_method,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_website_must_be_http() {
        let d = VendorDraft {
            name: Some("Dell".into()),
            website: Some("ftp://dell".into()),
            ..Default::default()
        };
        assert_eq!(Vendor::validate(d).unwrap_err()[0].field, "website");
    }

    #[test]
    fn model_useful_life_is_bounded() {
        let d = ModelDraft {
            name: Some("R750".into()),
            manufacturer: Some("Dell".into()),
            category: Some(Category::Hardware),
            useful_life_months: Some(0),
            ..Default::default()
        };
        assert_eq!(
            Vendor::validate(VendorDraft::default()).unwrap_err()[0].code,
            ErrorCode::Required
        );
        assert_eq!(Model::validate(d).unwrap_err()[0].field, "usefulLifeMonths");
    }
}
