//! Finance over the register: the ledger kept current for summaries and watch lists, and cost
//! roll-ups along the relationship graph.

use crate::domain::kernel::calendar;
use chrono::NaiveDate;

use crate::domain::finance::{Candidate, Group, GroupBy};
use crate::domain::kernel::EntityId;
use crate::service::kernel::Register;
use crate::service::kernel::ServiceError;

/// Assets with a date, in the order a watch list shows them.
pub type Dated = Vec<(EntityId, NaiveDate)>;

impl Register {
    /// Whether the finance ledger has loaded every asset (it loads in the background at start).
    pub fn ledger_loaded(&self) -> bool {
        *self.books.loaded.borrow()
    }

    /// Count, purchase cost, accumulated depreciation and book value per group and currency.
    pub async fn finance_summary(
        &self,
        by: GroupBy,
        as_of: NaiveDate,
    ) -> Result<Vec<Group>, ServiceError> {
        let ledger = self.books.ledger().await?;
        let fiscal_year_start = self.fiscal_year_start;
        self.cpu
            .run_wide(move |threads| ledger.summary(by, as_of, fiscal_year_start, threads))
            .await
    }

    /// Assets whose warranty ends from `today` to `within_days` later, soonest first.
    pub async fn expiring_warranties(
        &self,
        today: NaiveDate,
        within_days: u32,
    ) -> Result<Dated, ServiceError> {
        let until = calendar::shift_days("withinDays", today, within_days.into())?;
        self.books
            .read(|ledger| ledger.warranties_ending(today, until))
            .await
    }

    /// Assets whose support ends within `within_days` of `today`, or has already ended.
    pub async fn end_of_support(
        &self,
        today: NaiveDate,
        within_days: u32,
    ) -> Result<Dated, ServiceError> {
        let until = calendar::shift_days("withinDays", today, within_days.into())?;
        self.books.read(|ledger| ledger.support_ending(until)).await
    }

    /// Deployed assets due for replacement at `today`, most reasons first.
    pub async fn replacement_candidates(
        &self,
        today: NaiveDate,
    ) -> Result<Vec<Candidate>, ServiceError> {
        self.books
            .read(|ledger| ledger.replacement_candidates(today, self.fiscal_year_start))
            .await
    }
}
