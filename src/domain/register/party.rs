//! People and teams: who owns, uses and pays for assets.

use serde::{Deserialize, Serialize};

use crate::domain::kernel::optional_ref;
use crate::domain::kernel::{Entity, EntityId, EntityKind};
use crate::domain::kernel::{
    ErrorCode, FieldError, MAX_NAME, Problems, optional_text, required_text,
};

/// A checked, lower-cased email address.
pub fn parse_email(field: &str, value: Option<&str>) -> Result<String, FieldError> {
    let email = required_text(field, value, 254)?.to_lowercase();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    };
    if valid {
        Ok(email)
    } else {
        Err(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{email:?} is not an email address"),
        ))
    }
}

/// A member of staff (or contractor) who can own or be assigned assets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<EntityId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manager: Option<EntityId>,
    /// Last working day of someone who has left; their licences and seats can be reclaimed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_on: Option<chrono::NaiveDate>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonDraft {
    pub name: Option<String>,
    pub email: Option<String>,
    pub title: Option<String>,
    pub team: Option<String>,
    pub manager: Option<String>,
    pub left_on: Option<String>,
}

impl Entity for Person {
    const KIND: EntityKind = EntityKind::Person;
    type Draft = PersonDraft;
    const PARENT_FIELD: Option<&'static str> = Some("manager");

    fn validate(d: PersonDraft) -> Result<Person, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let email = p.take(parse_email("email", d.email.as_deref()));
        let title = p
            .take(optional_text("title", d.title.as_deref(), MAX_NAME))
            .flatten();
        let team = p.take(optional_ref("team", d.team.as_deref())).flatten();
        let manager = p
            .take(optional_ref("manager", d.manager.as_deref()))
            .flatten();
        let left_on = p
            .take(crate::domain::kernel::optional_date(
                "leftOn",
                d.left_on.as_deref(),
            ))
            .flatten();
        p.finish(|| Person {
            name: name.expect("checked"),
            email: email.expect("checked"),
            title,
            team,
            manager,
            left_on,
        })
    }
}

/// A team, department or cost centre; teams nest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Team {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_centre: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<EntityId>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamDraft {
    pub name: Option<String>,
    pub cost_centre: Option<String>,
    pub parent: Option<String>,
}

impl Entity for Team {
    const KIND: EntityKind = EntityKind::Team;
    type Draft = TeamDraft;
    const PARENT_FIELD: Option<&'static str> = Some("parent");

    fn validate(d: TeamDraft) -> Result<Team, Vec<FieldError>> {
        let mut p = Problems::default();
        let name = p.take(required_text("name", d.name.as_deref(), MAX_NAME));
        let cost_centre = p
            .take(optional_text(
                "costCentre",
                d.cost_centre.as_deref(),
                MAX_NAME,
            ))
            .flatten();
        let parent = p
            .take(optional_ref("parent", d.parent.as_deref()))
            .flatten();
        p.finish(|| Team {
            name: name.expect("checked"),
            cost_centre,
            parent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        assert_eq!(
            parse_email("email", Some(" Ada@Example.COM ")).unwrap(),
            "ada@example.com"
        );
        for bad in [
            "ada",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
            "a@b@c.com",
        ] {
            assert_eq!(
                parse_email("email", Some(bad)).unwrap_err().code,
                ErrorCode::Invalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn person_requires_name_and_email() {
        let errors = Person::validate(PersonDraft::default()).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "email"]);
    }
}
