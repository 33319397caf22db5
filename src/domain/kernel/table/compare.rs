//! Where a table kept by changes differs from one loaded afresh from the store: what `verify`
//! reports.

use crate::domain::kernel::table::rows::{Role, Table};

impl Table {
    /// Each entity whose indexed fields differ between this table and `truth` (the same kind
    /// loaded afresh), with what differs, by id.
    pub fn differences(&self, truth: &Table) -> Vec<(String, String)> {
        let mut found = Vec::new();
        for (id, row) in &self.rows {
            let Some(true_row) = truth.rows.get(id) else {
                found.push((id.to_string(), "held here but not in the store".to_string()));
                continue;
            };
            let (r, t) = (*row as usize, *true_row as usize);
            if self.versions[r] != truth.versions[t] {
                found.push((
                    id.to_string(),
                    format!(
                        "version {} here, {} in the store",
                        self.versions[r], truth.versions[t]
                    ),
                ));
                continue;
            }
            let columns = self
                .spec
                .columns
                .iter()
                .zip(&self.columns)
                .zip(&truth.columns);
            for ((column, mine), theirs) in columns {
                let differs = match column.role {
                    Role::Elements => mine.elements[r] != theirs.elements[t],
                    _ => mine.keys[r] != theirs.keys[t],
                };
                if differs {
                    found.push((id.to_string(), format!("{} differs", column.path)));
                }
            }
            if self.texts[r] != truth.texts[t] {
                found.push((id.to_string(), "searched text differs".to_string()));
            }
        }
        for id in truth.rows.keys().filter(|id| !self.rows.contains_key(*id)) {
            found.push((id.to_string(), "in the store but not held here".to_string()));
        }
        found.sort();
        found
    }
}
