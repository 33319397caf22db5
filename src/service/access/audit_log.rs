//! The audit log as a whole: filtered reading for auditors, and walking the hash chain to prove
//! nothing in it was changed, removed or slipped in.

use crate::domain::access::AuditEntry;
use crate::domain::access::AuditFilter;
use crate::domain::access::{Break, Head, verify_run};
use crate::domain::kernel::Page;
use crate::domain::kernel::PageRequest;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

/// Chain positions read per round trip while verifying.
const VERIFY_STEP: u64 = 1000;

/// What walking the chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Entries checked, in chain order.
    pub checked: u64,
    /// Where the chain ends, as its head record says.
    pub head: Head,
    /// Entries written before the chain existed, outside it.
    pub unchained: usize,
    /// The first place the chain does not hold; none if it all holds.
    pub first_break: Option<Break>,
}

impl Register {
    /// One page of the audit log, oldest first.
    pub async fn audit_log(
        &self,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditEntry>, ServiceError> {
        let offsets = page.offsets().map_err(|e| ServiceError::BadRequest(e.0))?;
        Ok(self.store.audit_log(filter, &offsets).await?)
    }

    /// Walks the whole chain from its first entry and reports the first break.
    pub async fn verify_audit_log(&self) -> Result<Verification, ServiceError> {
        let recorded = self.store.chain_head().await?;
        let unchained = self.store.unchained_entries().await?;
        let mut head = Head::default();
        let first_break = loop {
            let run = self.store.chain_run(head.seq, VERIFY_STEP).await?;
            if let Err(broken) = verify_run(&mut head, &run) {
                break Some(broken);
            }
            if !run.is_empty() {
                continue;
            }
            // Nothing within the next positions: either the end, or entries removed.
            let beyond = self.store.chained_beyond(head.seq).await?;
            break if beyond > 0 || head.seq < recorded.seq {
                Some(Break {
                    seq: head.seq + 1,
                    entry: None,
                    reason: format!(
                        "entry {} is missing (the chain's head says it ends at {})",
                        head.seq + 1,
                        recorded.seq
                    ),
                })
            } else if head != recorded {
                Some(Break {
                    seq: head.seq,
                    entry: None,
                    reason: "the chain's last entry does not match its head record".into(),
                })
            } else {
                None
            };
        };
        Ok(Verification {
            checked: head.seq,
            head: recorded,
            unchained,
            first_break,
        })
    }
}
