//! Who may set which asset field: per field, the discovery sources allowed (in order of
//! authority) and whether they may replace a value a person typed. Financial, ownership and
//! lifecycle fields are never taken from a person by discovery.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::domain::discovery::identifiers::IdentificationRule;
use crate::domain::kernel::{Entity, EntityKind};
use crate::domain::kernel::{ErrorCode, FieldError};

/// One field's rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRule {
    /// Document path, e.g. `attributes.os` or `warrantyEnd`.
    pub field: String,
    /// Sources allowed to set it, most authoritative first; empty means every source, equal.
    pub sources: Vec<String>,
    /// Whether discovery may replace a value a person set.
    pub overrides_people: bool,
}

/// The identification order and the field rules that discovery follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub rules: Vec<IdentificationRule>,
    pub fields: Vec<FieldRule>,
}

/// Fields discovery observes on the machine itself.
const TECHNICAL: &[&str] = &[
    "attributes.cloudResourceId",
    "attributes.cpuCores",
    "attributes.fqdn",
    "attributes.hostname",
    "attributes.ipAddresses",
    "attributes.macAddresses",
    "attributes.memoryMb",
    "attributes.model",
    "attributes.os",
    "attributes.osVersion",
];
/// Fields people curate that discovery may fill while empty.
const CURATED: &[&str] = &["manufacturer", "name", "serialNumber"];
/// Financial, ownership and lifecycle fields a record can carry (from vendor warranty APIs).
pub const PROTECTED: &[&str] = &["purchase.date", "warrantyEnd"];

impl Default for Policy {
    fn default() -> Policy {
        let rule = |field: &&str, overrides_people| FieldRule {
            field: field.to_string(),
            sources: Vec::new(),
            overrides_people,
        };
        let mut fields: Vec<FieldRule> = TECHNICAL.iter().map(|f| rule(f, true)).collect();
        fields.extend(CURATED.iter().chain(PROTECTED).map(|f| rule(f, false)));
        fields.sort_by(|a, b| a.field.cmp(&b.field));
        Policy {
            rules: IdentificationRule::DEFAULT_ORDER.to_vec(),
            fields,
        }
    }
}

/// Whether a record's value for a field is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Set,
    Same,
    /// Kept as it is, and why.
    Keep(String),
}

impl Policy {
    /// Refuses a policy that cannot work or would let discovery overwrite people's money,
    /// ownership or lifecycle facts.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.rules.is_empty() {
            errors.push(FieldError::new(
                "rules",
                ErrorCode::Required,
                "at least one identification rule is needed",
            ));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if self.rules[..i].contains(rule) {
                errors.push(FieldError::new(
                    format!("rules[{i}]"),
                    ErrorCode::Invalid,
                    format!("{rule:?} is listed twice"),
                ));
            }
        }
        let known =
            |f: &str| TECHNICAL.contains(&f) || CURATED.contains(&f) || PROTECTED.contains(&f);
        for (i, rule) in self.fields.iter().enumerate() {
            let at = format!("fields[{i}]");
            if !known(&rule.field) {
                errors.push(FieldError::new(
                    format!("{at}.field"),
                    ErrorCode::Invalid,
                    format!("discovery does not report {:?}", rule.field),
                ));
            }
            if self.fields[..i].iter().any(|r| r.field == rule.field) {
                errors.push(FieldError::new(
                    format!("{at}.field"),
                    ErrorCode::Invalid,
                    format!("{:?} has two rules", rule.field),
                ));
            }
            if rule.overrides_people && PROTECTED.contains(&rule.field.as_str()) {
                errors.push(FieldError::new(
                    format!("{at}.overridesPeople"),
                    ErrorCode::NotAllowed,
                    format!("discovery never overwrites {} a person set", rule.field),
                ));
            }
            if rule.sources.iter().any(|s| s.trim().is_empty()) {
                errors.push(FieldError::new(
                    format!("{at}.sources"),
                    ErrorCode::Invalid,
                    "a source name cannot be blank",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether `source` may write `new` into `field`, which holds `current`, last set by
    /// `setter` (a source name; `None` when a person set it or nobody has).
    pub fn decide(
        &self,
        field: &str,
        source: &str,
        current: Option<&Json>,
        setter: Option<&str>,
        new: &Json,
    ) -> Verdict {
        if current == Some(new) {
            return Verdict::Same;
        }
        let Some(rule) = self.fields.iter().find(|r| r.field == field) else {
            return Verdict::Keep(format!("{field}: no source may set it"));
        };
        let rank = |s: &str| rule.sources.iter().position(|r| r == s);
        if !rule.sources.is_empty() && rank(source).is_none() {
            return Verdict::Keep(format!("{field}: {source} may not set it"));
        }
        match (current, setter) {
            (None, _) | (Some(Json::Null), _) => Verdict::Set,
            (Some(_), None) if rule.overrides_people => Verdict::Set,
            (Some(_), None) => Verdict::Keep(format!("{field}: set by a person")),
            (Some(_), Some(previous)) if previous == source || rule.sources.is_empty() => {
                Verdict::Set
            }
            (Some(_), Some(previous)) => match (rank(previous), rank(source)) {
                (Some(theirs), Some(ours)) if theirs < ours => {
                    Verdict::Keep(format!("{field}: {previous} outranks {source}"))
                }
                _ => Verdict::Set,
            },
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyDraft {
    pub rules: Option<Vec<IdentificationRule>>,
    pub fields: Option<Vec<FieldRule>>,
}

impl Entity for Policy {
    const KIND: EntityKind = EntityKind::DiscoveryPolicy;
    type Draft = PolicyDraft;

    fn validate(d: PolicyDraft) -> Result<Policy, Vec<FieldError>> {
        let default = Policy::default();
        let mut policy = Policy {
            rules: d.rules.unwrap_or(default.rules),
            fields: d.fields.unwrap_or(default.fields),
        };
        for rule in &mut policy.fields {
            rule.field = rule.field.trim().to_string();
            rule.sources = rule.sources.iter().map(|s| s.trim().to_string()).collect();
        }
        policy.check()?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_default_lets_scanners_fix_technical_fields_but_not_people_s_money() {
        let p = Policy::default();
        p.check().unwrap();
        let (old, new) = (json!("Windows 10"), json!("Windows 11"));
        assert_eq!(
            p.decide("attributes.os", "sccm", Some(&old), None, &new),
            Verdict::Set
        );
        assert_eq!(
            p.decide("attributes.os", "sccm", Some(&new), None, &new),
            Verdict::Same
        );
        let date = json!("2027-01-01");
        assert_eq!(
            p.decide("warrantyEnd", "dell", None, None, &date),
            Verdict::Set
        );
        assert!(
            matches!(p.decide("warrantyEnd", "dell", Some(&json!("2026-01-01")), None, &date), Verdict::Keep(r) if r.contains("person"))
        );
        assert_eq!(
            p.decide(
                "warrantyEnd",
                "dell",
                Some(&json!("2026-01-01")),
                Some("dell"),
                &date
            ),
            Verdict::Set
        );
        assert!(matches!(
            p.decide(
                "name",
                "sccm",
                Some(&json!("Alice's laptop")),
                None,
                &json!("lt-1")
            ),
            Verdict::Keep(_)
        ));
        assert!(matches!(
            p.decide("owner.team", "sccm", None, None, &json!("t1")),
            Verdict::Keep(_)
        ));
    }

    #[test]
    fn listed_sources_rank_by_position() {
        let mut p = Policy::default();
        p.fields
            .iter_mut()
            .find(|r| r.field == "attributes.os")
            .unwrap()
            .sources = vec!["sccm".into(), "nmap".into()];
        let (old, new) = (json!("a"), json!("b"));
        assert!(
            matches!(p.decide("attributes.os", "nmap", Some(&old), Some("sccm"), &new), Verdict::Keep(r) if r.contains("outranks"))
        );
        assert_eq!(
            p.decide("attributes.os", "sccm", Some(&old), Some("nmap"), &new),
            Verdict::Set
        );
        assert!(matches!(
            p.decide("attributes.os", "intune", None, None, &new),
            Verdict::Keep(_)
        ));
    }

    #[test]
    fn a_policy_may_not_let_discovery_overwrite_people_s_money_or_repeat_itself() {
        let mut p = Policy::default();
        p.fields
            .iter_mut()
            .find(|r| r.field == "purchase.date")
            .unwrap()
            .overrides_people = true;
        p.rules.push(IdentificationRule::Hostname);
        p.fields.push(FieldRule {
            field: "purchase.cost".into(),
            sources: vec![],
            overrides_people: false,
        });
        let codes: Vec<(String, ErrorCode)> = p
            .check()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            codes,
            [
                ("rules[7]".to_string(), ErrorCode::Invalid),
                (
                    "fields[12].overridesPeople".to_string(),
                    ErrorCode::NotAllowed
                ),
                ("fields[15].field".to_string(), ErrorCode::Invalid),
            ]
        );
    }
}
