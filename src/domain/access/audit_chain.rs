//! The hash chain over audit entries: each entry's hash covers its content and the previous
//! entry's hash, so changing, removing or reordering any entry breaks every hash after it.

use chrono::SecondsFormat;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::domain::access::audit::{AuditEntry, ChainLink};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of `entry` at position `seq` after an entry hashed `prev`. It covers every field
/// the entry is stored with, values as the JSON text they are stored as.
pub fn entry_hash(entry: &AuditEntry, seq: u64, prev: &str) -> String {
    let text = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    let changes: Vec<Value> = entry
        .changes
        .iter()
        .map(|c| json!([c.field, text(&c.before), text(&c.after)]))
        .collect();
    let content = json!([
        prev,
        seq,
        entry.id,
        entry.at.to_rfc3339_opts(SecondsFormat::Nanos, true),
        entry.actor,
        entry.actor_role.map(|r| r.name()),
        entry.request_id,
        entry.operation,
        entry.entity_kind.name(),
        entry.entity_id,
        changes,
        entry.reason,
        entry.ticket_ref,
        entry.source,
    ]);
    Sha256::digest(content.to_string().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Chains `entry` after the entry at `seq - 1` hashed `prev`.
pub fn link(entry: &mut AuditEntry, seq: u64, prev: &str) {
    entry.chain = Some(ChainLink {
        seq,
        prev_hash: prev.to_string(),
        hash: entry_hash(entry, seq, prev),
    });
}

/// The last position and hash of a chain: where the next entry links on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

impl Default for Head {
    fn default() -> Head {
        Head {
            seq: 0,
            hash: GENESIS.to_string(),
        }
    }
}

/// The first place a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// Position where the chain breaks.
    pub seq: u64,
    /// The entry found there, if any.
    pub entry: Option<String>,
    pub reason: String,
}

/// Walks entries in position order, each after `head`, and moves `head` along; stops at the
/// first entry that is missing, out of place, or whose hashes do not match its content.
pub fn verify_run(head: &mut Head, entries: &[AuditEntry]) -> Result<(), Break> {
    for entry in entries {
        let expected = head.seq + 1;
        let broken = |reason: String| Break {
            seq: expected,
            entry: Some(entry.id.as_str().to_string()),
            reason,
        };
        let Some(link) = &entry.chain else {
            return Err(broken("the entry is not chained".into()));
        };
        if link.seq != expected {
            return Err(Break {
                seq: expected,
                entry: None,
                reason: format!(
                    "entry {expected} is missing (the next one found is {})",
                    link.seq
                ),
            });
        }
        if link.prev_hash != head.hash {
            return Err(broken(
                "its link to the previous entry does not match that entry's hash".into(),
            ));
        }
        if entry_hash(entry, link.seq, &link.prev_hash) != link.hash {
            return Err(broken(
                "its content does not match its hash: it was changed after it was written".into(),
            ));
        }
        *head = Head {
            seq: link.seq,
            hash: link.hash.clone(),
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::audit::{Actor, FieldChange, Operation};
    use crate::domain::kernel::{EntityId, EntityKind};
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let actor = Actor::system("tester");
        let mut prev = GENESIS.to_string();
        (1..=n as u64)
            .map(|seq| {
                let change = FieldChange {
                    field: "name".into(),
                    before: Some(Value::from(format!("n{seq}"))),
                    after: Some(json!({"amount": "1.50", "currency": "EUR"})),
                };
                let mut entry = AuditEntry::new(
                    &actor,
                    Operation::Update,
                    EntityKind::Asset,
                    &EntityId::parse(&format!("a{seq}")).unwrap(),
                    vec![change],
                );
                link(&mut entry, seq, &prev);
                prev = entry.chain.as_ref().unwrap().hash.clone();
                entry
            })
            .collect()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let entries = chain(5);
        let mut head = Head::default();
        assert_eq!(verify_run(&mut head, &entries), Ok(()));
        assert_eq!(head.seq, 5);
    }

    #[test]
    fn a_removed_entry_is_reported_where_it_was() {
        let mut entries = chain(5);
        entries.remove(2);
        let broken = verify_run(&mut Head::default(), &entries).unwrap_err();
        assert_eq!(broken.seq, 3);
        assert!(broken.reason.contains("missing"));
    }

    proptest! {
        /// Whatever single field of whichever entry is changed, the walk stops at that entry.
        #[test]
        fn any_change_breaks_the_chain_at_that_entry(which in 0usize..6, field in 0usize..6, text in ".{0,20}") {
            let mut entries = chain(6);
            let target = &mut entries[which];
            let original = target.clone();
            match field {
                0 => target.actor = format!("{}x{text}", target.actor),
                1 => target.changes[0].after = Some(Value::from(format!("9{text}"))),
                2 => target.at += chrono::TimeDelta::nanoseconds(1),
                3 => target.reason = Some(text.clone()),
                4 => target.entity_id = EntityId::parse("other").unwrap(),
                _ => target.operation = Operation::Delete,
            }
            prop_assume!(*target != original);
            let broken = verify_run(&mut Head::default(), &entries).unwrap_err();
            prop_assert_eq!(broken.seq, which as u64 + 1);
        }
    }
}
