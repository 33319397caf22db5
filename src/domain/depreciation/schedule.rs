//! Depreciation: a schedule per fiscal year and the book value at any date, in exact decimals
//! that add up to the cent.
//!
//! Time runs in half months, because the mid-quarter convention starts depreciation in the
//! middle of a month. The life is cut into recovery years: twelve months from the start of
//! depreciation under the full-month convention, the fiscal years under the half-year and
//! mid-quarter conventions (whose first and last years are short). The method gives each
//! recovery year's depreciation; each half month of that year gets an equal share, and a fiscal
//! year or an "as of" date takes the half months it covers. Amounts are rounded on the running
//! total, so every period is in the currency's minor unit and the periods add up to exactly the
//! cumulative amount; the last period ends exactly at salvage value. (Declining balance also
//! rounds each recovery year, because its rate applies to the value as booked.)

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::depreciation::terms::Convention;
use crate::domain::depreciation::terms::MAX_LIFE_MONTHS;
pub(crate) use crate::domain::depreciation::terms::Method;
use crate::domain::depreciation::terms::Profile;
use crate::domain::depreciation::terms::ProfileError;
pub(crate) use crate::domain::depreciation::terms::Settings;
use crate::domain::depreciation::terms::invalid;
use crate::domain::kernel::Money;
use crate::domain::kernel::{ErrorCode, FieldError};

/// The cost and profile of an asset checked together: salvage in the cost's currency and not
/// above it, and a profile the method accepts. Errors name `depreciation.*` fields.
pub fn check_against_cost(
    cost: &Money,
    settings: Option<&Settings>,
    profile: &Profile,
) -> Result<Depreciation, FieldError> {
    if let Some(salvage) = settings.and_then(|s| s.salvage.as_ref())
        && salvage.currency != cost.currency
    {
        return Err(FieldError::new(
            "depreciation.salvage.currency",
            ErrorCode::Invalid,
            format!(
                "salvage is in {} but the cost is in {}",
                salvage.currency.code(),
                cost.currency.code()
            ),
        ));
    }
    Depreciation::new(cost.amount, cost.currency.minor_units(), profile).map_err(|e| {
        FieldError::new(
            format!("depreciation.{}", e.field),
            ErrorCode::Invalid,
            e.message,
        )
    })
}

/// One fiscal year of a schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The calendar year in which the fiscal year ends.
    pub fiscal_year: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub opening: Decimal,
    pub depreciation: Decimal,
    pub closing: Decimal,
}

/// A month counted from year 0: `year * 12 + month0`.
type Month = i64;

/// A half month counted from year 0: `2 * month`, plus 1 for the second half.
type Half = i64;

/// Half months in a year.
const YEAR: Half = 24;

fn month_of(date: NaiveDate) -> Month {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

fn first_day(month: Month) -> NaiveDate {
    NaiveDate::from_ymd_opt(
        month.div_euclid(12) as i32,
        month.rem_euclid(12) as u32 + 1,
        1,
    )
    .expect("months in range")
}

fn last_day(month: Month) -> NaiveDate {
    first_day(month + 1).pred_opt().expect("months in range")
}

/// Depreciation of one cost under one profile, ready to answer for any date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depreciation {
    cost: Decimal,
    salvage: Decimal,
    minor_units: u32,
    /// First half month of depreciation.
    start: Half,
    /// The useful life in half months; 0 when nothing is depreciated.
    life: Half,
    fiscal_start_month0: u32,
    /// The length and depreciation of each recovery year in turn; empty for straight line.
    years: Vec<(Half, Decimal)>,
}

impl Depreciation {
    /// Checks the profile against the cost (both in one currency with `minor_units` decimals).
    pub fn new(
        cost: Decimal,
        minor_units: u32,
        profile: &Profile,
    ) -> Result<Depreciation, ProfileError> {
        if !(1..=MAX_LIFE_MONTHS).contains(&profile.useful_life_months) {
            return Err(invalid(
                "usefulLifeMonths",
                format!("the useful life runs from 1 to {MAX_LIFE_MONTHS} months"),
            ));
        }
        if profile.salvage.is_sign_negative() && !profile.salvage.is_zero() {
            return Err(invalid("salvage", "salvage value must not be negative"));
        }
        if profile.salvage > cost {
            return Err(invalid("salvage", "salvage value must not exceed the cost"));
        }
        if !(1..=12).contains(&profile.fiscal_year_start_month) {
            return Err(invalid(
                "fiscalYearStartMonth",
                "the fiscal year starts in a month from 1 to 12",
            ));
        }
        let life_months = profile.useful_life_months;
        match profile.method {
            Method::DecliningBalance
                if profile.factor <= Decimal::ZERO || profile.factor > Decimal::TEN =>
            {
                return Err(invalid(
                    "factor",
                    "the declining-balance factor is above 0 and at most 10",
                ));
            }
            Method::SumOfYearsDigits if !life_months.is_multiple_of(12) => {
                return Err(invalid(
                    "usefulLifeMonths",
                    "sum-of-years'-digits needs a useful life in whole years",
                ));
            }
            _ => {}
        }
        let fiscal_start_month0 = profile.fiscal_year_start_month - 1;
        let in_service = month_of(profile.in_service);
        let fiscal_year = fiscal_year_start(in_service, fiscal_start_month0);
        let start = match profile.convention {
            Convention::FullMonth => 2 * in_service,
            Convention::HalfYear => 2 * (fiscal_year + 6),
            Convention::MidQuarter => {
                let quarter = (in_service - fiscal_year) / 3;
                2 * (fiscal_year + 3 * quarter) + 3
            }
        };
        let life = 2 * Half::from(life_months);
        let base = cost - profile.salvage;
        let years = match profile.method {
            // Every half month is the same share: no table needed.
            Method::None | Method::StraightLine => Vec::new(),
            // The digits belong to the asset's own years of life whatever the convention; a
            // fiscal year takes its share of the life years it overlaps.
            Method::SumOfYearsDigits => {
                let n = Half::from(life_months / 12);
                let digits = Decimal::from(n * (n + 1) / 2);
                (0..n)
                    .map(|k| (YEAR, base * Decimal::from(n - k) / digits))
                    .collect()
            }
            Method::DecliningBalance => {
                // Under the half-year and mid-quarter conventions the recovery years are the
                // fiscal years (IRS Publication 946): the first one gets the convention's part of
                // a year and the rate and the switch to straight line follow fiscal years. Life
                // years counted from a mid-year start would switch at the wrong time.
                let lengths = match profile.convention {
                    Convention::FullMonth => recovery_years(YEAR, life),
                    Convention::HalfYear | Convention::MidQuarter => {
                        recovery_years(2 * (fiscal_year + 12) - start, life)
                    }
                };
                let amounts = declining(cost, profile, life, &lengths, minor_units);
                lengths.into_iter().zip(amounts).collect()
            }
        };
        Ok(Depreciation {
            cost,
            salvage: profile.salvage,
            minor_units,
            start,
            life: if profile.method == Method::None {
                0
            } else {
                life
            },
            fiscal_start_month0,
            years,
        })
    }

    /// Exact depreciation of the first `halves` half months of the life.
    fn exact(&self, halves: Half) -> Decimal {
        let mut left = halves.min(self.life);
        if self.years.is_empty() {
            return (self.cost - self.salvage) * Decimal::from(left) / Decimal::from(self.life);
        }
        let mut total = Decimal::ZERO;
        for &(length, amount) in &self.years {
            if left >= length {
                total += amount;
                left -= length;
            } else {
                total += amount * Decimal::from(left) / Decimal::from(length);
                break;
            }
        }
        total
    }

    /// Depreciation of the first `halves` half months, rounded to the currency; the whole life
    /// is exactly cost less salvage.
    fn accumulated_halves(&self, halves: Half) -> Decimal {
        if halves >= self.life {
            return self.cost - self.salvage;
        }
        self.exact(halves)
            .round_dp_with_strategy(self.minor_units, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Half months of the life that are over by the end of `month`.
    fn elapsed_by(&self, month: Month) -> Half {
        (2 * (month + 1) - self.start).clamp(0, self.life)
    }

    /// Half months of depreciation recognised by the end of `date`: a month counts once it is
    /// over (and only its second half when depreciation starts in its middle).
    fn halves_by(&self, date: NaiveDate) -> Half {
        let mut month = month_of(date);
        if date != last_day(month) {
            month -= 1;
        }
        self.elapsed_by(month)
    }

    /// Depreciation recognised by the end of `date`.
    pub fn accumulated(&self, date: NaiveDate) -> Decimal {
        if self.life == 0 {
            return Decimal::ZERO;
        }
        self.accumulated_halves(self.halves_by(date))
    }

    /// Cost less the depreciation recognised by the end of `date`; never below salvage.
    pub fn book_value(&self, date: NaiveDate) -> Decimal {
        self.cost - self.accumulated(date)
    }

    /// Whether the whole depreciable amount has been recognised by the end of `date`.
    pub fn fully_depreciated(&self, date: NaiveDate) -> bool {
        self.life > 0 && self.halves_by(date) >= self.life
    }

    /// One row per fiscal year from the one depreciation starts in to the one it ends in.
    pub fn schedule(&self) -> Vec<Period> {
        if self.life == 0 {
            return Vec::new();
        }
        let end = (self.start + self.life - 1).div_euclid(2);
        let mut periods = Vec::new();
        let mut year_start = fiscal_year_start(self.start.div_euclid(2), self.fiscal_start_month0);
        while year_start <= end {
            let year_end = year_start + 11;
            let opening = self.cost - self.accumulated_halves(self.elapsed_by(year_start - 1));
            let closing = self.cost - self.accumulated_halves(self.elapsed_by(year_end));
            periods.push(Period {
                fiscal_year: last_day(year_end).year(),
                start: first_day(year_start),
                end: last_day(year_end),
                opening,
                depreciation: opening - closing,
                closing,
            });
            year_start += 12;
        }
        periods
    }
}

/// The first month of the fiscal year containing `month`.
fn fiscal_year_start(month: Month, start_month0: u32) -> Month {
    let offset = (month.rem_euclid(12) - i64::from(start_month0)).rem_euclid(12);
    month - offset
}

/// The length of each recovery year when the first one is `first` long and every later one a
/// whole year, the last taking what is left of the life.
fn recovery_years(first: Half, life: Half) -> Vec<Half> {
    let first = first.min(life);
    let rest = life - first;
    std::iter::once(first)
        .chain((0..rest.div_euclid(YEAR)).map(|_| YEAR))
        .chain(Some(rest.rem_euclid(YEAR)).filter(|&r| r > 0))
        .collect()
}

/// Declining balance by recovery year: the rate (factor ÷ life) for the part of a year it
/// covers, applied to the value at its start; optionally straight line over the rest of the
/// life from that start when that gives more; never below salvage; the last year takes what is
/// left down to salvage. Each year is rounded to the currency, so the rate applies to the value
/// as booked: that is how the published MACRS percentages come out (rounding only the running
/// total drifts from them by a cent, e.g. in years 8 and 9 of the 10-year half-year table).
fn declining(
    cost: Decimal,
    profile: &Profile,
    life: Half,
    lengths: &[Half],
    minor_units: u32,
) -> Vec<Decimal> {
    let mut value = cost;
    let mut elapsed = 0;
    let mut years = Vec::with_capacity(lengths.len());
    for (k, &length) in lengths.iter().enumerate() {
        let left = value - profile.salvage;
        let mut amount = value * profile.factor * Decimal::from(length) / Decimal::from(life);
        if profile.switch_to_straight_line {
            let straight = left * Decimal::from(length) / Decimal::from(life - elapsed);
            amount = amount.max(straight);
        }
        let amount = if k + 1 == lengths.len() {
            left
        } else {
            amount
                .round_dp_with_strategy(minor_units, RoundingStrategy::MidpointAwayFromZero)
                .min(left)
                .max(Decimal::ZERO)
        };
        years.push(amount);
        value -= amount;
        elapsed += length;
    }
    years
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use proptest::prelude::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn profile(method: Method, life: u32, salvage: &str, in_service: &str) -> Profile {
        Profile {
            method,
            factor: d("2"),
            switch_to_straight_line: false,
            useful_life_months: life,
            salvage: d(salvage),
            in_service: date(in_service),
            convention: Convention::FullMonth,
            fiscal_year_start_month: 1,
        }
    }

    /// (fiscal year, depreciation, closing) of each row.
    fn rows(cost: &str, p: &Profile) -> Vec<(i32, Decimal, Decimal)> {
        Depreciation::new(d(cost), 2, p)
            .unwrap()
            .schedule()
            .into_iter()
            .map(|r| (r.fiscal_year, r.depreciation, r.closing))
            .collect()
    }

    #[test]
    fn straight_line_from_january() {
        // 1200 − 200 over 5 years: 200 a year.
        let p = profile(Method::StraightLine, 60, "200", "2024-01-10");
        assert_eq!(
            rows("1200", &p),
            [
                (2024, d("200"), d("1000")),
                (2025, d("200"), d("800")),
                (2026, d("200"), d("600")),
                (2027, d("200"), d("400")),
                (2028, d("200"), d("200")),
            ]
        );
    }

    #[test]
    fn straight_line_mid_year_in_a_fiscal_year_from_april() {
        // 1000 over 36 months from September 2024; fiscal years run April–March.
        // FY2025 (Apr 24–Mar 25): Sep–Mar = 7 months = 194.44; FY2026 and FY2027: 12 months
        // = 333.33 each on the running total (527.78 and 861.11); FY2028: the last 5 months.
        let mut p = profile(Method::StraightLine, 36, "0", "2024-09-20");
        p.fiscal_year_start_month = 4;
        let schedule = Depreciation::new(d("1000"), 2, &p).unwrap().schedule();
        assert_eq!(schedule[0].start, date("2024-04-01"));
        assert_eq!(schedule[0].end, date("2025-03-31"));
        let got: Vec<_> = schedule
            .iter()
            .map(|r| (r.fiscal_year, r.depreciation, r.closing))
            .collect();
        assert_eq!(
            got,
            [
                (2025, d("194.44"), d("805.56")),
                (2026, d("333.34"), d("472.22")),
                (2027, d("333.33"), d("138.89")),
                (2028, d("138.89"), d("0")),
            ]
        );
    }

    #[test]
    fn half_year_convention_spreads_five_years_over_six() {
        // 10000 over 5 years, half a year first and last, whatever the month of service.
        let mut p = profile(Method::StraightLine, 60, "0", "2024-11-30");
        p.convention = Convention::HalfYear;
        assert_eq!(
            rows("10000", &p),
            [
                (2024, d("1000"), d("9000")),
                (2025, d("2000"), d("7000")),
                (2026, d("2000"), d("5000")),
                (2027, d("2000"), d("3000")),
                (2028, d("2000"), d("1000")),
                (2029, d("1000"), d("0")),
            ]
        );
    }

    #[test]
    fn sum_of_years_digits() {
        // 1600 − 100 = 1500 over 5 years: 5/15, 4/15, … = 500, 400, 300, 200, 100.
        let p = profile(Method::SumOfYearsDigits, 60, "100", "2024-01-01");
        let amounts: Vec<Decimal> = rows("1600", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(amounts, [d("500"), d("400"), d("300"), d("200"), d("100")]);
    }

    #[test]
    fn sum_of_years_digits_mid_year_splits_each_life_year() {
        // 1500 over 5 years from July: FY2024 = 6/12 × 500 = 250; FY2025 = 250 + 6/12 × 400 = 450; …
        let p = profile(Method::SumOfYearsDigits, 60, "0", "2024-07-01");
        let amounts: Vec<Decimal> = rows("1500", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(
            amounts,
            [d("250"), d("450"), d("350"), d("250"), d("150"), d("50")]
        );
    }

    #[test]
    fn double_declining_balance_reaches_salvage_in_the_last_year() {
        // 10000, salvage 1000, 5 years, rate 40%: 4000, 2400, 1440, 864, then 296 to reach salvage.
        let p = profile(Method::DecliningBalance, 60, "1000", "2024-01-01");
        assert_eq!(
            rows("10000", &p),
            [
                (2024, d("4000"), d("6000")),
                (2025, d("2400"), d("3600")),
                (2026, d("1440"), d("2160")),
                (2027, d("864"), d("1296")),
                (2028, d("296"), d("1000")),
            ]
        );
    }

    #[test]
    fn declining_balance_switches_to_straight_line_when_that_gives_more() {
        // 10000, no salvage, 5 years, 200%: 4000, 2400, 1440; in year 4 straight line over the
        // remaining 2 years gives 1080 > 864, so 1080 and 1080.
        let mut p = profile(Method::DecliningBalance, 60, "0", "2024-01-01");
        p.switch_to_straight_line = true;
        let amounts: Vec<Decimal> = rows("10000", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(
            amounts,
            [d("4000"), d("2400"), d("1440"), d("1080"), d("1080")]
        );
        // 150% declining: 3000, 2100; in year 3 straight line over the remaining 3 years gives
        // 4900 / 3 = 1633.33 > 1470, so it switches a year earlier (cents on the running total).
        p.factor = d("1.5");
        let amounts: Vec<Decimal> = rows("10000", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(
            amounts,
            [
                d("3000"),
                d("2100"),
                d("1633.33"),
                d("1633.34"),
                d("1633.33")
            ]
        );
    }

    #[test]
    fn declining_balance_from_mid_year_splits_each_life_year() {
        // 10000, salvage 1000, 5 years, 40%, in service 10 April 2024: life year 1 (Apr 24–Mar 25)
        // is 4000, of which 2024 gets 9 months = 3000; 2025 gets 1000 + 9/12 × 2400 = 2800; …
        let p = profile(Method::DecliningBalance, 60, "1000", "2024-04-10");
        let amounts: Vec<Decimal> = rows("10000", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(
            amounts,
            [
                d("3000"),
                d("2800"),
                d("1680"),
                d("1008"),
                d("438"),
                d("74")
            ]
        );
    }

    #[test]
    fn half_year_convention_with_declining_balance_and_an_april_fiscal_year() {
        // In service November 2024 in the fiscal year April 2024–March 2025: depreciation starts in
        // its middle (October). The recovery years are the fiscal years: 40% of half a year, then
        // 40% of each year's opening value, and the last half year takes what is left to salvage.
        let mut p = profile(Method::DecliningBalance, 60, "1000", "2024-11-20");
        p.convention = Convention::HalfYear;
        p.fiscal_year_start_month = 4;
        assert_eq!(
            rows("10000", &p),
            [
                (2025, d("2000"), d("8000")),
                (2026, d("3200"), d("4800")),
                (2027, d("1920"), d("2880")),
                (2028, d("1152"), d("1728")),
                (2029, d("691.20"), d("1036.80")),
                (2030, d("36.80"), d("1000")),
            ]
        );
    }

    #[test]
    fn half_year_declining_balance_switches_in_the_fiscal_year_macrs_does() {
        // The reported case: 10000, 5 years, 200%, switching. In 2027 straight line over the 2.5
        // years left gives 2880 / 2.5 = 1152, as much as 40% of 2880; from then on straight line.
        // Twelve-month years from mid-2024 gave 2000, 3200, 1920, 1260, 1080, 540.
        let mut p = profile(Method::DecliningBalance, 60, "0", "2024-01-01");
        p.switch_to_straight_line = true;
        p.convention = Convention::HalfYear;
        assert_eq!(
            rows("10000", &p),
            [
                (2024, d("2000"), d("8000")),
                (2025, d("3200"), d("4800")),
                (2026, d("1920"), d("2880")),
                (2027, d("1152"), d("1728")),
                (2028, d("1152"), d("576")),
                (2029, d("576"), d("0")),
            ]
        );
    }

    #[test]
    fn mid_quarter_starts_in_the_middle_of_the_quarters_second_month() {
        // In service in January: depreciation starts mid-February, so 2024 gets 10.5 months of
        // 40% = 3500, 333.33 a month, half of that by the end of February.
        let mut p = profile(Method::DecliningBalance, 60, "0", "2024-01-10");
        p.switch_to_straight_line = true;
        p.convention = Convention::MidQuarter;
        let dep = Depreciation::new(d("10000"), 2, &p).unwrap();
        assert_eq!(dep.book_value(date("2024-01-31")), d("10000"));
        assert_eq!(dep.book_value(date("2024-02-29")), d("9833.33"));
        assert_eq!(dep.book_value(date("2024-03-31")), d("9500"));
        assert_eq!(dep.book_value(date("2024-12-31")), d("6500"));
        // The last year is the 1.5 months left: January and the first half of February 2029.
        assert_eq!(dep.schedule().last().unwrap().fiscal_year, 2029);
        assert!(!dep.fully_depreciated(date("2029-01-31")));
        assert!(dep.fully_depreciated(date("2029-02-28")));
        assert_eq!(dep.book_value(date("2029-02-28")), d("0"));
    }

    #[test]
    fn mid_quarter_counts_quarters_of_the_fiscal_year() {
        // Fiscal years from April: June is in the first quarter, so the first year is 10.5
        // months (mid-May to March), as for February with calendar years.
        let mut p = profile(Method::StraightLine, 60, "0", "2024-06-30");
        p.convention = Convention::MidQuarter;
        p.fiscal_year_start_month = 4;
        let schedule = Depreciation::new(d("12000"), 2, &p).unwrap().schedule();
        assert_eq!(schedule[0].start, date("2024-04-01"));
        assert_eq!(schedule[0].depreciation, d("2100"));
        assert_eq!(schedule[5].depreciation, d("300"));
        assert_eq!(schedule.len(), 6);
    }

    #[test]
    fn half_year_convention_with_sum_of_years_digits() {
        // 1500 over 5 years: 500, 400, 300, 200, 100 by life year, halved across fiscal years.
        let mut p = profile(Method::SumOfYearsDigits, 60, "0", "2025-02-03");
        p.convention = Convention::HalfYear;
        let amounts: Vec<Decimal> = rows("1500", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(
            amounts,
            [d("250"), d("450"), d("350"), d("250"), d("150"), d("50")]
        );
    }

    #[test]
    fn book_value_accrues_by_month() {
        // 1200 over 12 months from March 2025: 100 a month, recognised at each month's end.
        let p = profile(Method::StraightLine, 12, "0", "2025-03-15");
        let dep = Depreciation::new(d("1200"), 2, &p).unwrap();
        assert_eq!(dep.book_value(date("2025-03-30")), d("1200"));
        assert_eq!(dep.book_value(date("2025-03-31")), d("1100"));
        assert_eq!(dep.book_value(date("2025-06-15")), d("900"));
        assert_eq!(dep.book_value(date("2026-02-28")), d("0"));
        assert_eq!(dep.book_value(date("2030-01-01")), d("0"));
        assert_eq!(dep.book_value(date("2020-01-01")), d("1200"));
        assert!(!dep.fully_depreciated(date("2026-02-27")));
        assert!(dep.fully_depreciated(date("2026-02-28")));
    }

    #[test]
    fn rounding_keeps_every_period_in_cents_and_the_total_exact() {
        // 100 over 3 years: 33.33, 33.34, 33.33 on the running total; odd cents in the cost too.
        let p = profile(Method::StraightLine, 36, "0", "2024-01-01");
        let amounts: Vec<Decimal> = rows("100", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(amounts, [d("33.33"), d("33.34"), d("33.33")]);
        let amounts: Vec<Decimal> = rows("99.99", &p).into_iter().map(|r| r.1).collect();
        assert_eq!(amounts, [d("33.33"), d("33.33"), d("33.33")]);
    }

    #[test]
    fn no_method_keeps_the_cost() {
        let p = profile(Method::None, 36, "0", "2024-01-01");
        let dep = Depreciation::new(d("500"), 2, &p).unwrap();
        assert!(dep.schedule().is_empty());
        assert_eq!(dep.book_value(date("2030-01-01")), d("500"));
        assert!(!dep.fully_depreciated(date("2030-01-01")));
    }

    #[test]
    fn bad_profiles_are_refused() {
        let base = profile(Method::StraightLine, 36, "0", "2024-01-01");
        let check = |change: &dyn Fn(&mut Profile), field: &str| {
            let mut p = base.clone();
            change(&mut p);
            assert_eq!(Depreciation::new(d("100"), 2, &p).unwrap_err().field, field);
        };
        check(&|p| p.useful_life_months = 0, "usefulLifeMonths");
        check(&|p| p.useful_life_months = 601, "usefulLifeMonths");
        check(&|p| p.salvage = d("100.01"), "salvage");
        check(&|p| p.salvage = d("-1"), "salvage");
        check(&|p| p.fiscal_year_start_month = 13, "fiscalYearStartMonth");
        check(
            &|p| {
                p.method = Method::SumOfYearsDigits;
                p.useful_life_months = 30;
            },
            "usefulLifeMonths",
        );
        check(
            &|p| {
                p.method = Method::DecliningBalance;
                p.factor = d("0");
            },
            "factor",
        );
    }

    fn any_profile() -> impl Strategy<Value = (Decimal, Profile)> {
        (
            prop_oneof![
                Just(Method::StraightLine),
                Just(Method::DecliningBalance),
                Just(Method::SumOfYearsDigits),
            ],
            1u32..=20,
            1u32..=12,
            0u64..=10_000_000,
            0u64..=100,
            any::<bool>(),
            prop_oneof![Just("1.5"), Just("2"), Just("1"), Just("3")],
            prop_oneof![
                Just(Convention::FullMonth),
                Just(Convention::HalfYear),
                Just(Convention::MidQuarter),
            ],
            0i64..3000,
            1u32..=12,
        )
            .prop_map(
                |(
                    method,
                    years,
                    extra,
                    cents,
                    salvage_pct,
                    switch,
                    factor,
                    convention,
                    day,
                    fy,
                )| {
                    let life = if method == Method::SumOfYearsDigits {
                        years * 12
                    } else {
                        years * 12 - (extra % 12)
                    };
                    let cost = Decimal::new(cents as i64, 2);
                    let salvage = (cost * Decimal::from(salvage_pct) / Decimal::from(100))
                        .round_dp(2)
                        .min(cost);
                    let profile = Profile {
                        method,
                        factor: d(factor),
                        switch_to_straight_line: switch,
                        useful_life_months: life,
                        salvage,
                        in_service: date("2020-01-01") + chrono::Days::new(day as u64),
                        convention,
                        fiscal_year_start_month: fy,
                    };
                    (cost, profile)
                },
            )
    }

    proptest! {
        #[test]
        fn schedules_add_up_and_values_only_fall_to_salvage((cost, p) in any_profile()) {
            let dep = Depreciation::new(cost, 2, &p).unwrap();
            let schedule = dep.schedule();
            let total: Decimal = schedule.iter().map(|r| r.depreciation).sum();
            prop_assert_eq!(total, cost - p.salvage);
            prop_assert_eq!(schedule.first().unwrap().opening, cost);
            prop_assert_eq!(schedule.last().unwrap().closing, p.salvage);
            for pair in schedule.windows(2) {
                prop_assert_eq!(pair[0].closing, pair[1].opening);
                prop_assert_eq!(pair[0].end.succ_opt().unwrap(), pair[1].start);
            }
            for row in &schedule {
                prop_assert!(row.depreciation >= Decimal::ZERO);
                prop_assert_eq!(row.depreciation.round_dp(2), row.depreciation);
                // A fiscal year's closing value is the book value on its last day.
                prop_assert_eq!(dep.book_value(row.end), row.closing);
            }
            let mut day = p.in_service - chrono::Days::new(40);
            let mut last = cost;
            for _ in 0..60 {
                let value = dep.book_value(day);
                prop_assert!(value <= last, "book value rose on {}", day);
                prop_assert!(value >= p.salvage);
                last = value;
                day = day + chrono::Days::new(97);
            }
        }

        #[test]
        fn straight_line_and_declining_balance_depreciate_the_same_total((cost, p) in any_profile()) {
            let straight = Profile { method: Method::StraightLine, ..p.clone() };
            let declining = Profile { method: Method::DecliningBalance, ..p };
            let total = |p: &Profile| -> Decimal {
                Depreciation::new(cost, 2, p).unwrap().schedule().iter().map(|r| r.depreciation).sum()
            };
            prop_assert_eq!(total(&straight), total(&declining));
        }
    }
}
