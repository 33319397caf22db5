//! The schedule against the MACRS GDS percentage tables of IRS Publication 946, Appendix A.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::schedule::Depreciation;
use super::terms::{Convention, Method, Profile};

/// A table's columns: the recovery period in years and the percentage of each recovery year, as
/// printed (3- to 10-year property at 200% declining balance, 15- and 20-year at 150%, all
/// switching to straight line).
type Table = [(u32, &'static [&'static str]); 6];

/// Table A-1: half-year convention.
const A_1: Table = [
    (3, &["33.33", "44.45", "14.81", "7.41"]),
    (5, &["20.00", "32.00", "19.20", "11.52", "11.52", "5.76"]),
    (
        7,
        &[
            "14.29", "24.49", "17.49", "12.49", "8.93", "8.92", "8.93", "4.46",
        ],
    ),
    (
        10,
        &[
            "10.00", "18.00", "14.40", "11.52", "9.22", "7.37", "6.55", "6.55", "6.56", "6.55",
            "3.28",
        ],
    ),
    (
        15,
        &[
            "5.00", "9.50", "8.55", "7.70", "6.93", "6.23", "5.90", "5.90", "5.91", "5.90", "5.91",
            "5.90", "5.91", "5.90", "5.91", "2.95",
        ],
    ),
    (
        20,
        &[
            "3.750", "7.219", "6.677", "6.177", "5.713", "5.285", "4.888", "4.522", "4.462",
            "4.461", "4.462", "4.461", "4.462", "4.461", "4.462", "4.461", "4.462", "4.461",
            "4.462", "4.461", "2.231",
        ],
    ),
];

/// Table A-2: mid-quarter convention, placed in service in the first quarter.
const A_2: Table = [
    (3, &["58.33", "27.78", "12.35", "1.54"]),
    (5, &["35.00", "26.00", "15.60", "11.01", "11.01", "1.38"]),
    (
        7,
        &[
            "25.00", "21.43", "15.31", "10.93", "8.75", "8.74", "8.75", "1.09",
        ],
    ),
    (
        10,
        &[
            "17.50", "16.50", "13.20", "10.56", "8.45", "6.76", "6.55", "6.55", "6.56", "6.55",
            "0.82",
        ],
    ),
    (
        15,
        &[
            "8.75", "9.13", "8.21", "7.39", "6.65", "5.99", "5.90", "5.91", "5.90", "5.91", "5.90",
            "5.91", "5.90", "5.91", "5.90", "0.74",
        ],
    ),
    (
        20,
        &[
            "6.563", "7.000", "6.482", "5.996", "5.546", "5.130", "4.746", "4.459", "4.459",
            "4.459", "4.459", "4.460", "4.459", "4.460", "4.459", "4.460", "4.459", "4.460",
            "4.459", "4.460", "0.565",
        ],
    ),
];

/// Table A-3: mid-quarter convention, placed in service in the second quarter.
const A_3: Table = [
    (3, &["41.67", "38.89", "14.14", "5.30"]),
    (5, &["25.00", "30.00", "18.00", "11.37", "11.37", "4.26"]),
    (
        7,
        &[
            "17.85", "23.47", "16.76", "11.97", "8.87", "8.87", "8.87", "3.34",
        ],
    ),
    (
        10,
        &[
            "12.50", "17.50", "14.00", "11.20", "8.96", "7.17", "6.55", "6.55", "6.56", "6.55",
            "2.46",
        ],
    ),
    (
        15,
        &[
            "6.25", "9.38", "8.44", "7.59", "6.83", "6.15", "5.91", "5.90", "5.91", "5.90", "5.91",
            "5.90", "5.91", "5.90", "5.91", "2.21",
        ],
    ),
    (
        20,
        &[
            "4.688", "7.148", "6.612", "6.116", "5.658", "5.233", "4.841", "4.478", "4.463",
            "4.463", "4.463", "4.463", "4.463", "4.463", "4.462", "4.463", "4.462", "4.463",
            "4.462", "4.463", "1.673",
        ],
    ),
];

/// Table A-4: mid-quarter convention, placed in service in the third quarter.
const A_4: Table = [
    (3, &["25.00", "50.00", "16.67", "8.33"]),
    (5, &["15.00", "34.00", "20.40", "12.24", "11.30", "7.06"]),
    (
        7,
        &[
            "10.71", "25.51", "18.22", "13.02", "9.30", "8.85", "8.86", "5.53",
        ],
    ),
    (
        10,
        &[
            "7.50", "18.50", "14.80", "11.84", "9.47", "7.58", "6.55", "6.55", "6.56", "6.55",
            "4.10",
        ],
    ),
    (
        15,
        &[
            "3.75", "9.63", "8.66", "7.80", "7.02", "6.31", "5.90", "5.90", "5.91", "5.90", "5.91",
            "5.90", "5.91", "5.90", "5.91", "3.69",
        ],
    ),
    (
        20,
        &[
            "2.813", "7.289", "6.742", "6.237", "5.769", "5.336", "4.936", "4.566", "4.460",
            "4.460", "4.460", "4.460", "4.461", "4.460", "4.461", "4.460", "4.461", "4.460",
            "4.461", "4.460", "2.788",
        ],
    ),
];

/// Table A-5: mid-quarter convention, placed in service in the fourth quarter.
const A_5: Table = [
    (3, &["8.33", "61.11", "20.37", "10.19"]),
    (5, &["5.00", "38.00", "22.80", "13.68", "10.94", "9.58"]),
    (
        7,
        &[
            "3.57", "27.55", "19.68", "14.06", "10.04", "8.73", "8.73", "7.64",
        ],
    ),
    (
        10,
        &[
            "2.50", "19.50", "15.60", "12.48", "9.98", "7.99", "6.55", "6.55", "6.56", "6.55",
            "5.74",
        ],
    ),
    (
        15,
        &[
            "1.25", "9.88", "8.89", "8.00", "7.20", "6.48", "5.90", "5.90", "5.90", "5.91", "5.90",
            "5.91", "5.90", "5.91", "5.90", "5.17",
        ],
    ),
    (
        20,
        &[
            "0.938", "7.430", "6.872", "6.357", "5.880", "5.439", "5.031", "4.654", "4.458",
            "4.458", "4.458", "4.458", "4.458", "4.458", "4.458", "4.458", "4.458", "4.459",
            "4.458", "4.459", "3.901",
        ],
    ),
];

/// Cells where a table departs from its own method: (table, recovery period, recovery year,
/// printed, what the method gives). Each is a first-year or second-year slip made up in the last
/// year so the column still sums to 100; the years between follow the method's value, not the
/// printed one, which is how the slip shows. A-3, 7 years: 2/7 × 7.5/12 = 17.857 % is printed
/// 17.85, yet year 3 (16.76) is 2/7 of 100 − 17.86 − 23.47, not of 100 − 17.85 − 23.47 (16.77).
/// A-2, 20 years: 7.5 % × (100 − 6.563) = 7.008 % is printed 7.000, yet year 3 (6.482) is
/// 7.5 % of 100 − 6.563 − 7.008, not of 100 − 6.563 − 7.000 (6.483).
const SLIPS: [(&str, u32, usize, &str, &str); 4] = [
    ("A-2", 20, 2, "7.000", "7.008"),
    ("A-2", 20, 21, "0.565", "0.557"),
    ("A-3", 7, 1, "17.85", "17.86"),
    ("A-3", 7, 8, "3.34", "3.33"),
];

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Checks every column of a table for an asset in service on `in_service` under `convention`,
/// with fiscal years starting in `fiscal_year_start_month`.
///
/// A table printed to 0.01 % (0.001 % for 20 years) rounds each year to that share of the cost
/// and takes the next year's rate on what is left after the rounded years. So the schedule of a
/// cost of 10 000 (100 000) in a currency without minor units has each year in whole units
/// equal to the printed percentage × 100 (× 1000), exactly, and the years add up to the cost.
fn check(
    name: &str,
    table: &Table,
    convention: Convention,
    in_service: &str,
    fiscal_year_start_month: u32,
) {
    for &(years, printed) in table {
        let places = printed[0].split('.').nth(1).unwrap().len() as u32;
        let scale = Decimal::from(10u32.pow(places));
        let cost = Decimal::ONE_HUNDRED * scale;
        let profile = Profile {
            method: Method::DecliningBalance,
            factor: if years <= 10 { d("2") } else { d("1.5") },
            switch_to_straight_line: true,
            useful_life_months: years * 12,
            salvage: Decimal::ZERO,
            in_service: date(in_service),
            convention,
            fiscal_year_start_month,
        };
        let schedule = Depreciation::new(cost, 0, &profile).unwrap().schedule();
        let expected: Vec<Decimal> = printed
            .iter()
            .enumerate()
            .map(|(k, &percent)| {
                let slip = SLIPS
                    .iter()
                    .find(|s| (s.0, s.1, s.2) == (name, years, k + 1));
                match slip {
                    Some(&(_, _, _, was, method)) => {
                        assert_eq!(percent, was, "{name}, {years} years, year {}", k + 1);
                        d(method)
                    }
                    None => d(percent),
                }
            })
            .collect();
        let got: Vec<Decimal> = schedule
            .iter()
            .map(|row| row.depreciation / scale)
            .collect();
        assert_eq!(got, expected, "{name}, {years} years from {in_service}");
        let total: Decimal = schedule.iter().map(|row| row.depreciation).sum();
        assert_eq!(total, cost, "{name}, {years} years");
        assert_eq!(schedule.last().unwrap().closing, Decimal::ZERO);
    }
}

#[test]
fn table_a_1_half_year() {
    // Any day of the year: the half-year convention ignores the month.
    check("A-1", &A_1, Convention::HalfYear, "2024-01-01", 1);
    check("A-1", &A_1, Convention::HalfYear, "2024-12-31", 1);
}

#[test]
fn table_a_2_mid_quarter_first_quarter() {
    check("A-2", &A_2, Convention::MidQuarter, "2024-01-01", 1);
    check("A-2", &A_2, Convention::MidQuarter, "2024-03-31", 1);
}

#[test]
fn table_a_3_mid_quarter_second_quarter() {
    check("A-3", &A_3, Convention::MidQuarter, "2024-04-01", 1);
    check("A-3", &A_3, Convention::MidQuarter, "2024-06-30", 1);
}

#[test]
fn table_a_4_mid_quarter_third_quarter() {
    check("A-4", &A_4, Convention::MidQuarter, "2024-07-01", 1);
    check("A-4", &A_4, Convention::MidQuarter, "2024-09-30", 1);
}

#[test]
fn table_a_5_mid_quarter_fourth_quarter() {
    check("A-5", &A_5, Convention::MidQuarter, "2024-10-01", 1);
    check("A-5", &A_5, Convention::MidQuarter, "2024-12-31", 1);
}

#[test]
fn tables_follow_the_fiscal_year_not_the_calendar() {
    // A tax year from July: September is in its first quarter, February in its third.
    check("A-1", &A_1, Convention::HalfYear, "2024-02-15", 7);
    check("A-2", &A_2, Convention::MidQuarter, "2024-09-15", 7);
    check("A-4", &A_4, Convention::MidQuarter, "2025-02-15", 7);
}

#[test]
fn the_slips_are_cells_of_the_tables() {
    for (name, years, year, printed, _) in SLIPS {
        let table = match name {
            "A-2" => &A_2,
            "A-3" => &A_3,
            _ => unreachable!(),
        };
        let column = table.iter().find(|c| c.0 == years).unwrap().1;
        assert_eq!(column[year - 1], printed);
    }
}
