//! Depreciation: a schedule per fiscal year and the book value at any date, in exact decimals
//! that add up to the cent.
//!
//! Time runs in whole months. The depreciation of a "life year" (twelve months from the start
//! of depreciation) comes from the method; each month of that life year gets an equal share, and
//! a fiscal year or an "as of" date takes the months it covers. Amounts are rounded on the
//! running total, so every period is in the currency's minor unit and the periods add up to
//! exactly the cumulative amount; the last period ends exactly at salvage value.

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
    /// First month of depreciation.
    start: Month,
    life: u32,
    fiscal_start_month0: u32,
    /// The exact depreciation of each life year (the last one may be shorter than twelve months).
    years: Vec<Decimal>,
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
        let life = profile.useful_life_months;
        match profile.method {
            Method::DecliningBalance
                if profile.factor <= Decimal::ZERO || profile.factor > Decimal::TEN =>
            {
                return Err(invalid(
                    "factor",
                    "the declining-balance factor is above 0 and at most 10",
                ));
            }
            Method::SumOfYearsDigits if !life.is_multiple_of(12) => {
                return Err(invalid(
                    "usefulLifeMonths",
                    "sum-of-years'-digits needs a useful life in whole years",
                ));
            }
            _ => {}
        }
        let fiscal_start_month0 = profile.fiscal_year_start_month - 1;
        let start = match profile.convention {
            Convention::FullMonth => month_of(profile.in_service),
            Convention::HalfYear => {
                fiscal_year_start(month_of(profile.in_service), fiscal_start_month0) + 6
            }
        };
        let base = cost - profile.salvage;
        // Straight line needs no table: every month is the same share.
        let years = match profile.method {
            Method::None | Method::StraightLine => Vec::new(),
            Method::SumOfYearsDigits => {
                let n = i64::from(life / 12);
                let digits = Decimal::from(n * (n + 1) / 2);
                (0..n)
                    .map(|k| base * Decimal::from(n - k) / digits)
                    .collect()
            }
            Method::DecliningBalance => declining(cost, profile),
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

    /// Exact depreciation of the first `months` months of the life.
    fn exact(&self, months: u32) -> Decimal {
        let mut left = months.min(self.life);
        if self.years.is_empty() {
            return (self.cost - self.salvage) * Decimal::from(left) / Decimal::from(self.life);
        }
        let mut total = Decimal::ZERO;
        for (k, amount) in self.years.iter().enumerate() {
            let length = (self.life - 12 * k as u32).min(12);
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

    /// Depreciation of the first `months` months, rounded to the currency; the whole life is
    /// exactly cost less salvage.
    fn accumulated_months(&self, months: u32) -> Decimal {
        if months >= self.life {
            return self.cost - self.salvage;
        }
        self.exact(months)
            .round_dp_with_strategy(self.minor_units, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Months of depreciation recognised by the end of `date`: a month counts once it is over.
    fn months_by(&self, date: NaiveDate) -> u32 {
        let mut month = month_of(date);
        if date != last_day(month) {
            month -= 1;
        }
        (month - self.start + 1).clamp(0, i64::from(self.life)) as u32
    }

    /// Depreciation recognised by the end of `date`.
    pub fn accumulated(&self, date: NaiveDate) -> Decimal {
        if self.life == 0 {
            return Decimal::ZERO;
        }
        self.accumulated_months(self.months_by(date))
    }

    /// Cost less the depreciation recognised by the end of `date`; never below salvage.
    pub fn book_value(&self, date: NaiveDate) -> Decimal {
        self.cost - self.accumulated(date)
    }

    /// Whether the whole depreciable amount has been recognised by the end of `date`.
    pub fn fully_depreciated(&self, date: NaiveDate) -> bool {
        self.life > 0 && self.months_by(date) >= self.life
    }

    /// One row per fiscal year from the one depreciation starts in to the one it ends in.
    pub fn schedule(&self) -> Vec<Period> {
        if self.life == 0 {
            return Vec::new();
        }
        let end = self.start + i64::from(self.life) - 1;
        let mut periods = Vec::new();
        let mut year_start = fiscal_year_start(self.start, self.fiscal_start_month0);
        while year_start <= end {
            let year_end = year_start + 11;
            let before = (year_start - self.start).clamp(0, i64::from(self.life)) as u32;
            let through = (year_end - self.start + 1).clamp(0, i64::from(self.life)) as u32;
            let opening = self.cost - self.accumulated_months(before);
            let closing = self.cost - self.accumulated_months(through);
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

/// The length in months of each life year.
fn life_years(life: u32) -> impl Iterator<Item = u32> {
    (0..life.div_ceil(12)).map(move |k| (life - 12 * k).min(12))
}

/// Declining balance by life year: the rate applies to the value at the start of the year (a
/// short last year pro rata), optionally straight line over the remaining life when that gives
/// more, never below salvage, and the last year takes what is left down to salvage.
fn declining(cost: Decimal, profile: &Profile) -> Vec<Decimal> {
    let life = profile.useful_life_months;
    let rate = profile.factor * Decimal::from(12) / Decimal::from(life);
    let lengths: Vec<u32> = life_years(life).collect();
    let mut value = cost;
    let mut years = Vec::with_capacity(lengths.len());
    for (k, &months) in lengths.iter().enumerate() {
        let left = value - profile.salvage;
        let remaining = life - 12 * k as u32;
        let mut amount = value * rate * Decimal::from(months) / Decimal::from(12);
        if profile.switch_to_straight_line {
            let straight = left * Decimal::from(months) / Decimal::from(remaining);
            amount = amount.max(straight);
        }
        if k + 1 == lengths.len() {
            amount = left;
        }
        let amount = amount.min(left).max(Decimal::ZERO);
        years.push(amount);
        value -= amount;
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
        // its middle (October). Life years of 4000, 2400, 1440, 864 and 296 (to salvage 1000) each
        // split half and half between two fiscal years.
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
                (2029, d("580"), d("1148")),
                (2030, d("148"), d("1000")),
            ]
        );
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
            any::<bool>(),
            0i64..3000,
            1u32..=12,
        )
            .prop_map(
                |(method, years, extra, cents, salvage_pct, switch, factor, half, day, fy)| {
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
                        convention: if half {
                            Convention::HalfYear
                        } else {
                            Convention::FullMonth
                        },
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
