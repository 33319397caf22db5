//! Discovery records in files: the CSV column mapping and JSON, read with line numbers so a bad
//! row is reported where it is, and written back out by `export`.

use serde_json::Value as Json;

use crate::domain::discovery::{EndDraft, ObservedDraft, RecordDraft, SoftwareDraft};

/// A file format `import` reads and `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

/// One row of a file: its line number and the record, or why it could not be read.
pub type Row = (usize, Result<RecordDraft, String>);

/// The CSV columns, in the order `export` writes them (headers match case-insensitively, with
/// or without underscores, so `serial_number` and `serialNumber` both work).
pub const COLUMNS: &[&str] = &[
    "source_native_key",
    "asset_tag",
    "serial_number",
    "manufacturer",
    "class",
    "name",
    "model",
    "hostname",
    "fqdn",
    "mac_addresses",
    "ip_addresses",
    "cloud_resource_id",
    "os",
    "os_version",
    "cpu_cores",
    "memory_mb",
    "warranty_end",
    "purchase_date",
    "seen_at",
    "software",
    "runs_on",
    "hosted_on",
    "connected_to",
    "depends_on",
    "contains",
];

/// Relationship columns and the type each records.
const RELATIONSHIP_COLUMNS: &[(&str, &str)] = &[
    ("runs_on", "RUNS_ON"),
    ("hosted_on", "HOSTED_ON"),
    ("connected_to", "CONNECTED_TO"),
    ("depends_on", "DEPENDS_ON"),
    ("contains", "CONTAINS"),
];

fn key(header: &str) -> String {
    header.trim().replace(['_', '-', ' '], "").to_lowercase()
}

fn list(cell: &str) -> Vec<String> {
    cell.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// `publisher|name|version|lastUsed|installedOn|productVersion`, entries separated by `;`.
fn software(cell: &str) -> Result<Vec<SoftwareDraft>, String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let parts: Vec<&str> = entry.split('|').map(str::trim).collect();
            if parts.len() < 2 || parts.len() > 6 {
                return Err(format!(
                    "software {entry:?}: expected publisher|name[|version|lastUsed|installedOn|productVersion]"
                ));
            }
            let part = |i: usize| {
                parts
                    .get(i)
                    .filter(|p| !p.is_empty())
                    .map(|p| p.to_string())
            };
            Ok(SoftwareDraft {
                publisher: part(0),
                name: part(1),
                version: part(2),
                last_used: part(3),
                installed_on: part(4),
                product_version: part(5),
            })
        })
        .collect()
}

/// `hostname:db01`, `fqdn:…`, `tag:…`, `serial:Manufacturer/SERIAL`, `mac:…`, `cloud:…`, `key:…`.
fn end(text: &str) -> Result<EndDraft, String> {
    let (kind, value) = text.split_once(':').ok_or_else(|| {
        format!("{text:?}: expected kind:value (hostname, fqdn, tag, serial, mac, cloud, key)")
    })?;
    let value = Some(value.trim().to_string());
    let mut end = EndDraft::default();
    match kind.trim().to_lowercase().as_str() {
        "hostname" | "host" => end.hostname = value,
        "fqdn" => end.fqdn = value,
        "tag" | "asset_tag" => end.asset_tag = value,
        "mac" => end.mac_address = value,
        "cloud" => end.cloud_resource_id = value,
        "key" => end.source_native_key = value,
        "serial" => {
            let (maker, serial) = value
                .as_deref()
                .and_then(|v| v.split_once('/'))
                .ok_or_else(|| {
                    format!("{text:?}: a serial is written serial:Manufacturer/SERIAL")
                })?;
            end.manufacturer = Some(maker.trim().to_string());
            end.serial_number = Some(serial.trim().to_string());
        }
        other => return Err(format!("{other:?} is not a kind of identifier")),
    }
    Ok(end)
}

fn integer(column: &str, cell: &str) -> Result<i64, String> {
    cell.trim()
        .parse()
        .map_err(|_| format!("{column}: {cell:?} is not a whole number"))
}

/// Reads one CSV row (cells by canonical column name) into a record.
fn from_cells(cells: &[(String, String)]) -> Result<RecordDraft, String> {
    let mut d = RecordDraft::default();
    let mut relationships = Vec::new();
    for (column, cell) in cells {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        let text = Some(cell.to_string());
        match column.as_str() {
            "source_native_key" => d.source_native_key = text,
            "asset_tag" => d.asset_tag = text,
            "serial_number" => d.serial_number = text,
            "manufacturer" => d.manufacturer = text,
            "class" => d.class = text,
            "name" => d.name = text,
            "model" => d.model = text,
            "hostname" => d.hostname = text,
            "fqdn" => d.fqdn = text,
            "mac_addresses" => d.mac_addresses = Some(list(cell)),
            "ip_addresses" => d.ip_addresses = Some(list(cell)),
            "cloud_resource_id" => d.cloud_resource_id = text,
            "os" => d.os = text,
            "os_version" => d.os_version = text,
            "cpu_cores" => d.cpu_cores = Some(integer(column, cell)?),
            "memory_mb" => d.memory_mb = Some(integer(column, cell)?),
            "warranty_end" => d.warranty_end = text,
            "purchase_date" => d.purchase_date = text,
            "seen_at" => {
                d.seen_at = Some(
                    chrono::DateTime::parse_from_rfc3339(cell)
                        .map_err(|_| format!("seen_at: {cell:?} is not an RFC 3339 time"))?
                        .with_timezone(&chrono::Utc),
                )
            }
            "software" => d.software = Some(software(cell)?),
            other => {
                let relation = RELATIONSHIP_COLUMNS
                    .iter()
                    .find(|(c, _)| *c == other)
                    .map(|(_, r)| *r)
                    .ok_or_else(|| format!("unknown column {other:?}"))?;
                for target in list_ends(cell) {
                    relationships.push(ObservedDraft {
                        relation: Some(relation.into()),
                        target: Some(end(&target)?),
                    });
                }
            }
        }
    }
    if !relationships.is_empty() {
        d.relationships = Some(relationships);
    }
    Ok(d)
}

/// Relationship ends are separated by `;` only (a serial may hold a comma).
fn list_ends(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Reads a CSV file: a header row naming columns from [`COLUMNS`], then one record per row.
pub fn read_csv(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the header row: {e}"))?
        .clone();
    let mut columns = Vec::new();
    for header in headers.iter() {
        match COLUMNS.iter().find(|c| key(c) == key(header)) {
            Some(c) => columns.push(c.to_string()),
            None => {
                return Err(format!(
                    "unknown column {header:?}; the columns are {}",
                    COLUMNS.join(", ")
                ));
            }
        }
    }
    let mut rows = Vec::new();
    for result in reader.records() {
        let (line, record) = match result {
            Ok(r) => (r.position().map_or(0, |p| p.line() as usize), Ok(r)),
            Err(e) => (
                e.position().map_or(0, |p| p.line() as usize),
                Err(e.to_string()),
            ),
        };
        let draft = record.and_then(|r| {
            if r.len() > columns.len() {
                return Err(format!("{} cells, but {} columns", r.len(), columns.len()));
            }
            let cells: Vec<(String, String)> = columns
                .iter()
                .cloned()
                .zip(r.iter().map(String::from))
                .collect();
            from_cells(&cells)
        });
        rows.push((line, draft));
    }
    Ok(rows)
}

/// Reads JSON: an array of records (the GraphQL `DiscoveryRecordInput` shape) or
/// `{"records": [...]}`; a row's line is where its object starts.
pub fn read_json(text: &str) -> Result<Vec<Row>, String> {
    let value: Json = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = match value {
        Json::Array(items) => items,
        Json::Object(mut map) => match map.remove("records") {
            Some(Json::Array(items)) => items,
            _ => return Err("expected an array of records or {\"records\": [...]}".into()),
        },
        _ => return Err("expected an array of records or {\"records\": [...]}".into()),
    };
    let starts = object_lines(text);
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let line = starts.get(i).copied().unwrap_or(0);
            (
                line,
                serde_json::from_value::<RecordDraft>(item).map_err(|e| e.to_string()),
            )
        })
        .collect())
}

/// The line on which each top-level record object of a JSON array starts.
fn object_lines(text: &str) -> Vec<usize> {
    let (mut depth, mut line, mut in_string, mut escaped) = (0usize, 1usize, false, false);
    let mut starts = Vec::new();
    let records_depth = if text.trim_start().starts_with('{') {
        2
    } else {
        1
    };
    for c in text.chars() {
        match c {
            '\n' => line += 1,
            _ if in_string => match c {
                '\\' if !escaped => {
                    escaped = true;
                    continue;
                }
                '"' if !escaped => in_string = false,
                _ => {}
            },
            '"' => in_string = true,
            '{' | '[' => {
                if c == '{' && depth == records_depth {
                    starts.push(line);
                }
                depth += 1;
            }
            '}' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        escaped = false;
    }
    starts
}

fn join(values: &[String]) -> String {
    values.join(";")
}

fn end_text(end: &EndDraft) -> Option<String> {
    let pick = [
        ("tag", &end.asset_tag),
        ("key", &end.source_native_key),
        ("hostname", &end.hostname),
        ("fqdn", &end.fqdn),
        ("mac", &end.mac_address),
        ("cloud", &end.cloud_resource_id),
    ];
    pick.iter()
        .find_map(|(kind, value)| value.as_ref().map(|v| format!("{kind}:{v}")))
        .or_else(|| {
            Some(format!(
                "serial:{}/{}",
                end.manufacturer.as_ref()?,
                end.serial_number.as_ref()?
            ))
        })
}

/// Writes records as CSV with every column of [`COLUMNS`].
pub fn write_csv(records: &[RecordDraft]) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).map_err(|e| e.to_string())?;
    for d in records {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let number = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let ends = |relation: &str| {
            d.relationships
                .iter()
                .flatten()
                .filter(|r| r.relation.as_deref() == Some(relation))
                .filter_map(|r| r.target.as_ref().and_then(end_text))
                .collect::<Vec<_>>()
                .join(";")
        };
        let software = d
            .software
            .iter()
            .flatten()
            .map(|s| {
                [
                    &s.publisher,
                    &s.name,
                    &s.version,
                    &s.last_used,
                    &s.installed_on,
                    &s.product_version,
                ]
                .iter()
                .map(|v| text(v))
                .collect::<Vec<_>>()
                .join("|")
            })
            .collect::<Vec<_>>()
            .join(";");
        let mut row = vec![
            text(&d.source_native_key),
            text(&d.asset_tag),
            text(&d.serial_number),
            text(&d.manufacturer),
            text(&d.class),
            text(&d.name),
            text(&d.model),
            text(&d.hostname),
            text(&d.fqdn),
            join(d.mac_addresses.as_deref().unwrap_or_default()),
            join(d.ip_addresses.as_deref().unwrap_or_default()),
            text(&d.cloud_resource_id),
            text(&d.os),
            text(&d.os_version),
            number(d.cpu_cores),
            number(d.memory_mb),
            text(&d.warranty_end),
            text(&d.purchase_date),
            d.seen_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            software,
        ];
        row.extend(RELATIONSHIP_COLUMNS.iter().map(|(_, r)| ends(r)));
        writer.write_record(&row).map_err(|e| e.to_string())?;
    }
    let bytes = writer.into_inner().map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "serial_number,Manufacturer,hostname,mac_addresses,class,cpu_cores,software,runs_on\n\
        PF3ABC12,Lenovo,lt-0001,00:11:22:33:44:55;00:11:22:33:44:66,LAPTOP,8,Microsoft|Office|16.0.1|2026-11-01,\n\
        ,,vm-1,,VIRTUAL_MACHINE,two,,hostname:esx01\n\
        ,,vm-2,,VIRTUAL_MACHINE,2,,serial:HPE/CZ123;tag:AG-7\n";

    #[test]
    fn csv_rows_read_with_their_line_numbers_and_bad_cells_are_reasons() {
        let rows = read_csv(SAMPLE).unwrap();
        assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 3, 4]);
        let first = rows[0].1.as_ref().unwrap();
        assert_eq!(first.mac_addresses.as_ref().unwrap().len(), 2);
        assert_eq!(
            first.software.as_ref().unwrap()[0].version.as_deref(),
            Some("16.0.1")
        );
        assert!(rows[1].1.as_ref().unwrap_err().contains("cpu_cores"));
        let ends = rows[2].1.as_ref().unwrap().relationships.as_ref().unwrap();
        assert_eq!(ends.len(), 2);
        assert_eq!(
            ends[0].target.as_ref().unwrap().manufacturer.as_deref(),
            Some("HPE")
        );
        assert!(
            read_csv("serial,colour\n")
                .unwrap_err()
                .contains("unknown column")
        );
    }

    #[test]
    fn csv_written_reads_back_the_same() {
        let rows = read_csv(SAMPLE).unwrap();
        let records: Vec<RecordDraft> = rows.into_iter().filter_map(|(_, r)| r.ok()).collect();
        let again = read_csv(&write_csv(&records).unwrap()).unwrap();
        let back: Vec<RecordDraft> = again.into_iter().map(|(_, r)| r.unwrap()).collect();
        assert_eq!(
            serde_json::to_value(&back).unwrap(),
            serde_json::to_value(&records).unwrap()
        );
    }

    #[test]
    fn json_rows_carry_the_line_their_object_starts_on() {
        let text = "[\n  {\"hostname\": \"a\", \"class\": \"SERVER\"},\n  {\"hostname\": \"b\",\n   \"cpuCores\": \"x\"}\n]";
        let rows = read_json(text).unwrap();
        assert_eq!(rows[0].0, 2);
        assert_eq!(rows[1].0, 3);
        assert!(rows[1].1.is_err());
        let wrapped = read_json("{\"records\": [\n{\"hostname\": \"a\"}]}").unwrap();
        assert_eq!(wrapped[0].0, 2);
        assert!(read_json("42").is_err());
    }
}
