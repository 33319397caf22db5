//! Discovery records as tools report them, checked and normalised: identifiers cleaned,
//! placeholders (OEM filler serials, null MACs, `localhost`) dropped so they never match anything.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use crate::domain::discovery::identifiers::Identifiers;
use crate::domain::discovery::identifiers::Mac;
use crate::domain::discovery::identifiers::host_name;
use crate::domain::discovery::identifiers::is_placeholder_serial;
use crate::domain::discovery::identifiers::serial_pair;
use crate::domain::discovery::identifiers::split_host;
use crate::domain::kernel::AssetClass;
use crate::domain::kernel::optional_date;
use crate::domain::kernel::{ErrorCode, FieldError, MAX_NAME, Problems, optional_text};
use crate::domain::relationships::RelationType;

/// Identifiers of the other end of an observed relationship, as received.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndDraft {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_native_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_resource_id: Option<String>,
}

/// A relationship the tool saw from this record's asset to another.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObservedDraft {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(rename = "type")]
    pub relation: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<EndDraft>,
}

/// A software title found installed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SoftwareDraft {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// The catalogue version it belongs to ("2021"), when the tool knows it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
}

/// One record as a discovery tool sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordDraft {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_native_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mac_addresses: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub os_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_cores: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_addresses: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warranty_end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purchase_date: Option<String>,
    /// When the tool saw it; now when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seen_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<Vec<SoftwareDraft>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationships: Option<Vec<ObservedDraft>>,
}

/// A software title checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FoundSoftware {
    pub publisher: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installed_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_version: Option<String>,
}

/// A relationship seen, its far end by identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observed {
    pub relation: RelationType,
    pub target: Identifiers,
}

/// Relationship types a discovery tool can observe between assets.
pub const OBSERVABLE: [RelationType; 5] = [
    RelationType::RunsOn,
    RelationType::HostedOn,
    RelationType::ConnectedTo,
    RelationType::DependsOn,
    RelationType::Contains,
];

/// A checked record: identifiers, the fields it proposes for the asset, software and relationships.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Observation {
    pub identifiers: Identifiers,
    pub class: Option<AssetClass>,
    /// Proposed asset fields by document path (`name`, `attributes.os`, `purchase.date`), sorted.
    pub fields: Vec<(String, Json)>,
    pub software: Vec<FoundSoftware>,
    pub relationships: Vec<Observed>,
    #[serde(skip)]
    pub seen_at: Option<DateTime<Utc>>,
    /// What was dropped and why (placeholders), for the report.
    #[serde(skip)]
    pub notes: Vec<String>,
}

fn text(p: &mut Problems, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    p.take(optional_text(field, value, max)).flatten()
}

/// An enum value as the API writes it (`RUNS_ON`, `MAC_ADDRESS`), for notes people read.
pub fn api_name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A name as tools write it ("Virtual machine", "access-point") read as an enum value.
fn enum_value<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    serde_json::from_value(Json::String(
        name.trim().to_uppercase().replace([' ', '-'], "_"),
    ))
    .ok()
}

fn parse_class(p: &mut Problems, value: Option<&str>) -> Option<AssetClass> {
    let name = value.map(str::trim).filter(|v| !v.is_empty())?;
    let class = enum_value::<AssetClass>(name);
    if class.is_none() {
        p.push(FieldError::new(
            "class",
            ErrorCode::Invalid,
            format!("{name:?} is not an asset class"),
        ));
    }
    class
}

fn parse_macs(
    p: &mut Problems,
    field: &str,
    values: &[String],
    notes: &mut Vec<String>,
) -> Vec<Mac> {
    let mut macs = Vec::new();
    for value in values {
        match Mac::parse(value) {
            None => p.push(FieldError::new(
                field,
                ErrorCode::Invalid,
                format!("{value:?} is not a MAC address"),
            )),
            Some(mac) if !mac.identifies() => notes.push(format!(
                "MAC address {mac} names no single interface; ignored"
            )),
            Some(mac) if !macs.contains(&mac) => macs.push(mac),
            Some(_) => {}
        }
    }
    macs.sort();
    macs
}

fn parse_host(p: &mut Problems, field: &str, value: Option<&str>) {
    if let Some(v) = value.map(str::trim).filter(|v| !v.is_empty())
        && host_name(v).is_none()
    {
        p.push(FieldError::new(
            field,
            ErrorCode::Invalid,
            format!("{v:?} is not a host name"),
        ));
    }
}

/// Checks and normalises the identifiers of a record or of a relationship's far end.
#[allow(clippy::too_many_arguments)]
fn identifiers(
    p: &mut Problems,
    prefix: &str,
    native_key: Option<&str>,
    serial: Option<&str>,
    manufacturer: Option<&str>,
    asset_tag: Option<&str>,
    macs: &[Mac],
    hostname: Option<&str>,
    fqdn: Option<&str>,
    cloud: Option<&str>,
    notes: &mut Vec<String>,
) -> Identifiers {
    let field = |name: &str| format!("{prefix}{name}");
    let native_key = text(p, &field("sourceNativeKey"), native_key, 400);
    let serial = text(p, &field("serialNumber"), serial, MAX_NAME);
    let manufacturer = text(p, &field("manufacturer"), manufacturer, MAX_NAME);
    if let Some(s) = serial.as_deref().filter(|s| is_placeholder_serial(s)) {
        notes.push(format!("serial {s:?} is a placeholder; not used to match"));
    } else if serial.is_some() && manufacturer.is_none() {
        notes.push("a serial without its manufacturer is not used to match".into());
    }
    parse_host(p, &field("hostname"), hostname);
    parse_host(p, &field("fqdn"), fqdn);
    let (hostname, fqdn) = split_host(hostname, fqdn);
    Identifiers {
        native_key,
        serial: serial_pair(serial.as_deref(), manufacturer.as_deref()),
        asset_tag: text(p, &field("assetTag"), asset_tag, MAX_NAME),
        macs: macs.iter().map(|m| m.0).collect(),
        cloud_resource_id: text(p, &field("cloudResourceId"), cloud, 400).map(|c| c.to_lowercase()),
        fqdn,
        hostname,
    }
}

fn software(p: &mut Problems, drafts: Vec<SoftwareDraft>) -> Vec<FoundSoftware> {
    let mut found: Vec<FoundSoftware> = Vec::new();
    for (i, d) in drafts.into_iter().enumerate() {
        let field = |name: &str| format!("software[{i}].{name}");
        let publisher = text(p, &field("publisher"), d.publisher.as_deref(), MAX_NAME);
        let name = text(p, &field("name"), d.name.as_deref(), MAX_NAME);
        let version = text(p, &field("version"), d.version.as_deref(), 100);
        let product_version = text(
            p,
            &field("productVersion"),
            d.product_version.as_deref(),
            100,
        );
        let installed_on = p
            .take(optional_date(
                &field("installedOn"),
                d.installed_on.as_deref(),
            ))
            .flatten();
        let last_used = p
            .take(optional_date(&field("lastUsed"), d.last_used.as_deref()))
            .flatten();
        for (value, what) in [(&publisher, "publisher"), (&name, "name")] {
            if value.is_none() {
                p.push(FieldError::new(
                    field(what),
                    ErrorCode::Required,
                    format!("installed software needs its {what}"),
                ));
            }
        }
        if let (Some(publisher), Some(name)) = (publisher, name) {
            let item = FoundSoftware {
                publisher,
                name,
                version,
                installed_on,
                last_used,
                product_version,
            };
            if !found.contains(&item) {
                found.push(item);
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.publisher, &a.name, &a.version).cmp(&(&b.publisher, &b.name, &b.version))
    });
    found
}

fn relationships(
    p: &mut Problems,
    drafts: Vec<ObservedDraft>,
    notes: &mut Vec<String>,
) -> Vec<Observed> {
    let mut seen = Vec::new();
    for (i, d) in drafts.into_iter().enumerate() {
        let prefix = format!("relationships[{i}].");
        let relation = d.relation.as_deref().map(str::trim).and_then(|name| {
            let relation = enum_value::<RelationType>(name).filter(|r| OBSERVABLE.contains(r));
            if relation.is_none() {
                p.push(FieldError::new(
                    format!("{prefix}type"),
                    ErrorCode::Invalid,
                    format!("{name:?} is not a relationship discovery can observe (RUNS_ON, HOSTED_ON, CONNECTED_TO, DEPENDS_ON, CONTAINS)"),
                ));
            }
            relation
        });
        if d.relation.is_none() {
            p.push(FieldError::new(
                format!("{prefix}type"),
                ErrorCode::Required,
                "type is required",
            ));
        }
        let end = d.target.unwrap_or_default();
        let macs = parse_macs(
            p,
            &format!("{prefix}target.macAddress"),
            end.mac_address.as_slice(),
            notes,
        );
        let target = identifiers(
            p,
            &format!("{prefix}target."),
            end.source_native_key.as_deref(),
            end.serial_number.as_deref(),
            end.manufacturer.as_deref(),
            end.asset_tag.as_deref(),
            &macs,
            end.hostname.as_deref(),
            end.fqdn.as_deref(),
            end.cloud_resource_id.as_deref(),
            notes,
        );
        if target.is_empty() {
            p.push(FieldError::new(
                format!("{prefix}target"),
                ErrorCode::Required,
                "the other end needs at least one usable identifier",
            ));
        }
        if let Some(relation) = relation {
            let item = Observed { relation, target };
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
    }
    seen
}

impl Observation {
    /// Checks a record; a record that cannot be trusted is refused whole, with every reason.
    pub fn parse(d: RecordDraft) -> Result<Observation, Vec<FieldError>> {
        let mut p = Problems::default();
        let mut notes = Vec::new();
        let macs = parse_macs(
            &mut p,
            "macAddresses",
            d.mac_addresses.as_deref().unwrap_or_default(),
            &mut notes,
        );
        let identifiers = identifiers(
            &mut p,
            "",
            d.source_native_key.as_deref(),
            d.serial_number.as_deref(),
            d.manufacturer.as_deref(),
            d.asset_tag.as_deref(),
            &macs,
            d.hostname.as_deref(),
            d.fqdn.as_deref(),
            d.cloud_resource_id.as_deref(),
            &mut notes,
        );
        let class = parse_class(&mut p, d.class.as_deref());
        let mut fields: Vec<(String, Json)> = Vec::new();
        let mut put = |path: &str, value: Option<Json>| {
            if let Some(value) = value {
                fields.push((path.to_string(), value));
            }
        };
        let name = text(&mut p, "name", d.name.as_deref(), MAX_NAME);
        let serial = text(&mut p, "serialNumber", d.serial_number.as_deref(), MAX_NAME)
            .filter(|s| !is_placeholder_serial(s));
        let manufacturer = text(&mut p, "manufacturer", d.manufacturer.as_deref(), MAX_NAME);
        put(
            "name",
            name.or_else(|| identifiers.fqdn.clone())
                .or_else(|| identifiers.hostname.clone())
                .or_else(|| identifiers.cloud_resource_id.clone())
                .or_else(|| serial.clone())
                .map(Json::from),
        );
        if serial.is_some() && manufacturer.is_some() {
            put("serialNumber", serial.map(Json::from));
        }
        put("manufacturer", manufacturer.map(Json::from));
        put(
            "attributes.hostname",
            identifiers.hostname.clone().map(Json::from),
        );
        put("attributes.fqdn", identifiers.fqdn.clone().map(Json::from));
        put(
            "attributes.macAddresses",
            (!macs.is_empty()).then(|| json!(macs.iter().map(Mac::to_string).collect::<Vec<_>>())),
        );
        put(
            "attributes.cloudResourceId",
            identifiers.cloud_resource_id.clone().map(Json::from),
        );
        let mut ips: Vec<String> = Vec::new();
        for ip in d.ip_addresses.unwrap_or_default() {
            match ip.trim().parse::<std::net::IpAddr>() {
                Ok(addr) if !ips.contains(&addr.to_string()) => ips.push(addr.to_string()),
                Ok(_) => {}
                Err(_) => p.push(FieldError::new(
                    "ipAddresses",
                    ErrorCode::Invalid,
                    format!("{ip:?} is not an IP address"),
                )),
            }
        }
        ips.sort();
        put(
            "attributes.ipAddresses",
            (!ips.is_empty()).then(|| json!(ips)),
        );
        put(
            "attributes.model",
            text(&mut p, "model", d.model.as_deref(), MAX_NAME).map(Json::from),
        );
        put(
            "attributes.os",
            text(&mut p, "os", d.os.as_deref(), MAX_NAME).map(Json::from),
        );
        put(
            "attributes.osVersion",
            text(&mut p, "osVersion", d.os_version.as_deref(), MAX_NAME).map(Json::from),
        );
        for (field, path, value) in [
            ("cpuCores", "attributes.cpuCores", d.cpu_cores),
            ("memoryMb", "attributes.memoryMb", d.memory_mb),
        ] {
            match value {
                Some(v) if v <= 0 => p.push(FieldError::new(
                    field,
                    ErrorCode::Invalid,
                    format!("{field} must be positive"),
                )),
                v => put(path, v.map(Json::from)),
            }
        }
        let warranty_end = p
            .take(optional_date("warrantyEnd", d.warranty_end.as_deref()))
            .flatten();
        put(
            "warrantyEnd",
            warranty_end.map(|d| Json::from(d.to_string())),
        );
        let purchase_date = p
            .take(optional_date("purchaseDate", d.purchase_date.as_deref()))
            .flatten();
        put(
            "purchase.date",
            purchase_date.map(|d| Json::from(d.to_string())),
        );
        let software = software(&mut p, d.software.unwrap_or_default());
        let relationships = relationships(&mut p, d.relationships.unwrap_or_default(), &mut notes);
        if identifiers.is_empty() {
            p.push(FieldError::new(
                "identifiers",
                ErrorCode::Required,
                "a record needs at least one usable identifier (source native key, serial with manufacturer, asset tag, MAC address, cloud resource id, FQDN or host name)",
            ));
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        p.finish(|| Observation {
            identifiers,
            class,
            fields,
            software,
            relationships,
            seen_at: d.seen_at,
            notes,
        })
    }

    /// A stable digest of what the record says (not when it was seen): equal records, equal
    /// digests, across restarts and versions of the server (FNV-1a over canonical JSON).
    pub fn fingerprint(&self) -> u64 {
        let text = serde_json::to_string(self).unwrap_or_default();
        text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[cfg(test)]
    pub fn field(&self, path: &str) -> Option<&Json> {
        self.fields.iter().find(|(p, _)| p == path).map(|(_, v)| v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> RecordDraft {
        RecordDraft {
            hostname: Some("LT-0042.corp.example.com.".into()),
            class: Some("laptop".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_dotted_hostname_gives_short_name_and_fqdn() {
        let o = Observation::parse(record()).unwrap();
        assert_eq!(o.identifiers.hostname.as_deref(), Some("lt-0042"));
        assert_eq!(
            o.identifiers.fqdn.as_deref(),
            Some("lt-0042.corp.example.com")
        );
        assert_eq!(o.class, Some(AssetClass::Laptop));
        assert_eq!(o.field("name"), Some(&json!("lt-0042.corp.example.com")));
    }

    #[test]
    fn a_placeholder_serial_neither_matches_nor_is_stored() {
        let o = Observation::parse(RecordDraft {
            serial_number: Some("To be filled by O.E.M.".into()),
            manufacturer: Some("System manufacturer".into()),
            ..record()
        })
        .unwrap();
        assert_eq!(o.identifiers.serial, None);
        assert_eq!(o.field("serialNumber"), None);
        assert!(o.notes.iter().any(|n| n.contains("placeholder")));
        let only_filler = Observation::parse(RecordDraft {
            serial_number: Some("00000000".into()),
            manufacturer: Some("Dell".into()),
            class: Some("SERVER".into()),
            ..Default::default()
        });
        assert_eq!(only_filler.unwrap_err()[0].field, "identifiers");
    }

    #[test]
    fn malformed_records_are_refused_with_every_reason() {
        let errors = Observation::parse(RecordDraft {
            mac_addresses: Some(vec!["00:11:22:33:44:55".into(), "not-a-mac".into()]),
            class: Some("toaster".into()),
            cpu_cores: Some(0),
            ip_addresses: Some(vec!["10.0.0.300".into()]),
            software: Some(vec![SoftwareDraft {
                name: Some("Office".into()),
                ..Default::default()
            }]),
            relationships: Some(vec![ObservedDraft {
                relation: Some("OWNED_BY".into()),
                target: Some(EndDraft {
                    hostname: Some("db01".into()),
                    ..Default::default()
                }),
            }]),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "macAddresses",
                "class",
                "ipAddresses",
                "cpuCores",
                "software[0].publisher",
                "relationships[0].type"
            ]
        );
        let nothing = Observation::parse(RecordDraft {
            class: Some("SERVER".into()),
            ..Default::default()
        });
        assert_eq!(nothing.unwrap_err()[0].code, ErrorCode::Required);
    }

    #[test]
    fn fingerprints_ignore_order_and_observation_time() {
        let a = Observation::parse(RecordDraft {
            mac_addresses: Some(vec!["00:11:22:33:44:55".into(), "00:11:22:33:44:66".into()]),
            seen_at: Some(Utc::now()),
            ..record()
        })
        .unwrap();
        let b = Observation::parse(RecordDraft {
            mac_addresses: Some(vec!["00-11-22-33-44-66".into(), "001122334455".into()]),
            ..record()
        })
        .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = Observation::parse(RecordDraft {
            os: Some("Windows 11".into()),
            ..record()
        })
        .unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
    }
}
