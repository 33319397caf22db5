//! Identifiers as discovery tools report them, normalised so that the same machine always gives
//! the same keys: MAC notations, OEM filler serials, manufacturer names, host names and FQDNs.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

/// The identifiers a record can be matched by, in the default order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IdentificationRule {
    SourceNativeKey,
    SerialAndManufacturer,
    AssetTag,
    MacAddress,
    CloudResourceId,
    Fqdn,
    Hostname,
}

impl IdentificationRule {
    pub const DEFAULT_ORDER: [IdentificationRule; 7] = [
        IdentificationRule::SourceNativeKey,
        IdentificationRule::SerialAndManufacturer,
        IdentificationRule::AssetTag,
        IdentificationRule::MacAddress,
        IdentificationRule::CloudResourceId,
        IdentificationRule::Fqdn,
        IdentificationRule::Hostname,
    ];

    /// Identifiers a machine can lose or pass on (a NIC moves, a name is reused): a match by
    /// one of them is refused when the asset's serial says it is another machine.
    pub fn is_weak(self) -> bool {
        matches!(
            self,
            IdentificationRule::MacAddress
                | IdentificationRule::Fqdn
                | IdentificationRule::Hostname
        )
    }
}

/// A MAC address as 48 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub u64);

impl Mac {
    /// Reads `aa:bb:cc:dd:ee:ff`, `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` or `aabbccddeeff`.
    pub fn parse(text: &str) -> Option<Mac> {
        let text = text.trim();
        let hex: String = match text.len() {
            17 => {
                let sep = text.as_bytes()[2];
                if !(sep == b':' || sep == b'-')
                    || (0..6).any(|i| i < 5 && text.as_bytes()[i * 3 + 2] != sep)
                {
                    return None;
                }
                text.split(sep as char).collect()
            }
            14 if text.as_bytes()[4] == b'.' && text.as_bytes()[9] == b'.' => {
                text.split('.').collect()
            }
            12 => text.to_string(),
            _ => return None,
        };
        if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(&hex, 16).ok().map(Mac)
    }

    /// Null, broadcast and multicast addresses name no single interface.
    pub fn identifies(self) -> bool {
        let first_octet = (self.0 >> 40) as u8;
        self.0 != 0 && self.0 != 0xffff_ffff_ffff && first_octet & 1 == 0
    }
}

impl std::fmt::Display for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = self.0.to_be_bytes();
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[2], b[3], b[4], b[5], b[6], b[7]
        )
    }
}

/// Serials firmware fills in when the vendor did not: they are shared by thousands of machines.
pub fn is_placeholder_serial(serial: &str) -> bool {
    const FILLERS: &[&str] = &[
        "to be filled by o.e.m.",
        "to be filled by oem",
        "default string",
        "system serial number",
        "chassis serial number",
        "serial number",
        "not specified",
        "not applicable",
        "not available",
        "none",
        "null",
        "n/a",
        "na",
        "unknown",
        "invalid",
        "empty",
        "oem",
        "123456789",
        "1234567890",
        "0123456789",
    ];
    let lower = serial.trim().to_lowercase();
    let significant: Vec<char> = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    FILLERS.contains(&lower.as_str())
        || significant.len() < 3
        || significant.iter().all(|c| *c == significant[0])
}

/// The form manufacturers are compared in: "Dell Inc." and "DELL" are one maker.
pub fn manufacturer_key(name: &str) -> String {
    const SUFFIXES: &[&str] = &[
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "gmbh",
        "ag",
        "sa",
        "plc",
    ];
    let cleaned: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| SUFFIXES.contains(w)) {
        words.pop();
    }
    match words.join(" ").as_str() {
        "hewlett packard" => "hp".into(),
        "hewlett packard enterprise" => "hpe".into(),
        other => other.into(),
    }
}

/// The form serials are compared in: case and inner spaces do not matter.
pub fn serial_key(serial: &str) -> String {
    serial
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn is_placeholder_host(name: &str) -> bool {
    matches!(
        name,
        "localhost" | "localhost.localdomain" | "unknown" | "none" | "(none)" | "localdomain"
    )
}

/// A host name or FQDN in lower case without a trailing dot; `None` when it is not one.
pub(crate) fn host_name(text: &str) -> Option<String> {
    let name = text.trim().trim_end_matches('.').to_lowercase();
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        });
    valid.then_some(name)
}

/// A stored field value in the form discovery reports it (host names in lower case, MACs in
/// colon notation and sorted), so a value typed differently is not taken for a change.
pub fn canonical(path: &str, value: &Json) -> Json {
    let text = value.as_str();
    match path {
        "attributes.hostname" | "attributes.fqdn" => text
            .and_then(host_name)
            .map(|h| match path {
                "attributes.hostname" => Json::from(h.split('.').next().unwrap_or_default()),
                _ => Json::from(h),
            })
            .unwrap_or_else(|| value.clone()),
        "attributes.cloudResourceId" => text
            .map(|t| Json::from(t.trim().to_lowercase()))
            .unwrap_or_else(|| value.clone()),
        "attributes.macAddresses" | "attributes.ipAddresses" => {
            let Some(items) = value.as_array() else {
                return value.clone();
            };
            let mut out: Vec<String> = Vec::new();
            for item in items {
                let Some(t) = item.as_str() else {
                    return value.clone();
                };
                let normal = if path == "attributes.macAddresses" {
                    Mac::parse(t).map(|m| m.to_string())
                } else {
                    t.trim()
                        .parse::<std::net::IpAddr>()
                        .ok()
                        .map(|a| a.to_string())
                };
                match normal {
                    Some(n) if !out.contains(&n) => out.push(n),
                    Some(_) => {}
                    None => return value.clone(),
                }
            }
            out.sort();
            json!(out)
        }
        _ => value.clone(),
    }
}

/// What identifies one asset, normalised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identifiers {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_key: Option<String>,
    /// Manufacturer key and serial key, both required together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub macs: Vec<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

impl Identifiers {
    pub fn is_empty(&self) -> bool {
        *self == Identifiers::default()
    }

    /// The identifiers an asset's stored fields carry (what the register matches records against).
    pub fn of_asset(
        asset_tag: &str,
        serial: Option<&str>,
        manufacturer: Option<&str>,
        attributes: &serde_json::Map<String, Json>,
    ) -> Identifiers {
        let text = |key: &str| attributes.get(key).and_then(Json::as_str);
        let (hostname, fqdn) = split_host(text("hostname"), text("fqdn"));
        Identifiers {
            native_key: None,
            serial: serial_pair(serial, manufacturer),
            asset_tag: Some(asset_tag.to_string()),
            macs: attributes
                .get("macAddresses")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| m.as_str().and_then(Mac::parse))
                .filter(|m| m.identifies())
                .map(|m| m.0)
                .collect(),
            cloud_resource_id: text("cloudResourceId").map(|c| c.trim().to_lowercase()),
            fqdn,
            hostname,
        }
    }
}

/// The serial as a match key, unless it is missing, a placeholder or lacks its manufacturer.
pub(crate) fn serial_pair(
    serial: Option<&str>,
    manufacturer: Option<&str>,
) -> Option<(String, String)> {
    match (serial, manufacturer) {
        (Some(s), Some(m)) if !is_placeholder_serial(s) && !manufacturer_key(m).is_empty() => {
            Some((manufacturer_key(m), serial_key(s)))
        }
        _ => None,
    }
}

/// Short host name and FQDN: a dotted host name gives both.
pub(crate) fn split_host(
    hostname: Option<&str>,
    fqdn: Option<&str>,
) -> (Option<String>, Option<String>) {
    let host = hostname
        .and_then(host_name)
        .filter(|h| !is_placeholder_host(h));
    let fqdn = fqdn
        .and_then(host_name)
        .filter(|f| f.contains('.') && !is_placeholder_host(f))
        .or_else(|| host.clone().filter(|h| h.contains('.')));
    let short = host
        .map(|h| h.split('.').next().unwrap_or_default().to_string())
        .or_else(|| {
            fqdn.as_ref()
                .map(|f| f.split('.').next().unwrap_or_default().to_string())
        });
    (short, fqdn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs_read_in_every_common_notation() {
        let want = Some(Mac(0x0011_22aa_bbcc));
        for text in [
            "00:11:22:AA:BB:CC",
            "00-11-22-aa-bb-cc",
            "0011.22aa.bbcc",
            "001122aabbcc",
        ] {
            assert_eq!(Mac::parse(text), want, "{text}");
        }
        for bad in [
            "00:11:22:aa:bb",
            "00:11-22:aa:bb:cc",
            "zz:11:22:aa:bb:cc",
            "0011.22aa-bbcc",
            "",
        ] {
            assert_eq!(Mac::parse(bad), None, "{bad}");
        }
        assert_eq!(Mac(0x0011_22aa_bbcc).to_string(), "00:11:22:aa:bb:cc");
        assert!(!Mac(0).identifies());
        assert!(!Mac(0xffff_ffff_ffff).identifies());
        assert!(!Mac(0x0100_5e00_0001).identifies(), "multicast");
        assert!(
            Mac(0x0242_ac11_0002).identifies(),
            "locally administered still names one NIC"
        );
    }

    #[test]
    fn filler_serials_are_placeholders() {
        for filler in [
            "To be filled by O.E.M.",
            "0000000000",
            "00000000-0000",
            "Default string",
            " N/A ",
            "1",
            "xxxxxxx",
        ] {
            assert!(is_placeholder_serial(filler), "{filler}");
        }
        for real in ["5CG1234XYZ", "VMware-56 4d 2b 1c", "CZJ0123456"] {
            assert!(!is_placeholder_serial(real), "{real}");
        }
    }

    #[test]
    fn manufacturers_compare_without_legal_suffixes() {
        assert_eq!(manufacturer_key("Dell Inc."), "dell");
        assert_eq!(manufacturer_key("DELL"), "dell");
        assert_eq!(manufacturer_key("Hewlett-Packard"), "hp");
        assert_eq!(
            manufacturer_key("Hewlett Packard Enterprise Company"),
            "hpe"
        );
        assert_eq!(manufacturer_key("Lenovo Group Ltd"), "lenovo group");
        assert_ne!(manufacturer_key("HP"), manufacturer_key("HPE"));
    }
}
