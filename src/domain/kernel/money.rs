//! Exact monetary amounts: a decimal and an ISO 4217 currency, never a float.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::kernel::validation::{ErrorCode, FieldError};

/// Active ISO 4217 alphabetic codes (list of 2024; funds and precious metals excluded).
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD",
    "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ",
    "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN",
    "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR",
    "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB",
    "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS",
    "VES", "VND", "VUV", "WST", "XAF", "XCD", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWL",
];

/// An ISO 4217 currency code such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(into = "String")]
pub struct Currency(&'static str);

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::try_from(code).map_err(serde::de::Error::custom)
    }
}

impl Currency {
    pub fn parse(code: &str) -> Option<Currency> {
        let upper = code.trim().to_ascii_uppercase();
        ISO_4217.iter().find(|c| **c == upper).map(|c| Currency(c))
    }

    pub fn code(self) -> &'static str {
        self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value).ok_or_else(|| format!("unknown currency {value}"))
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.0.to_string()
    }
}

/// A non-negative exact amount in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub currency: Currency,
}

/// Money as it arrives from a client, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoneyDraft {
    pub amount: Option<String>,
    pub currency: Option<String>,
}

impl Money {
    /// Checks a draft: the amount must be a decimal of at most 4 decimal places, not negative,
    /// and the currency a known ISO 4217 code. `field` prefixes the error paths.
    pub fn parse(field: &str, draft: &MoneyDraft) -> Result<Money, FieldError> {
        let amount_field = format!("{field}.amount");
        let amount = draft
            .amount
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                FieldError::new(&amount_field, ErrorCode::Required, "amount is required")
            })?;
        let plain = amount.strip_prefix('-').unwrap_or(amount);
        let (units, fraction) = plain.split_once('.').unwrap_or((plain, "0"));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(units) || !digits(fraction) {
            return Err(FieldError::new(
                &amount_field,
                ErrorCode::Invalid,
                format!("{amount:?} is not a plain decimal amount like 1299.00"),
            ));
        }
        let amount = Decimal::from_str(amount).map_err(|_| {
            FieldError::new(
                &amount_field,
                ErrorCode::Invalid,
                format!("{amount:?} is not a decimal amount"),
            )
        })?;
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(FieldError::new(
                &amount_field,
                ErrorCode::Negative,
                "amount must not be negative",
            ));
        }
        if amount.scale() > 4 {
            return Err(FieldError::new(
                &amount_field,
                ErrorCode::Invalid,
                "amount has more than 4 decimal places",
            ));
        }
        let currency_field = format!("{field}.currency");
        let code = draft.currency.as_deref().ok_or_else(|| {
            FieldError::new(&currency_field, ErrorCode::Required, "currency is required")
        })?;
        let currency = Currency::parse(code).ok_or_else(|| {
            FieldError::new(
                &currency_field,
                ErrorCode::UnknownCurrency,
                format!("{code:?} is not an ISO 4217 currency code"),
            )
        })?;
        // Normalised so the stored value reads back identical; display pads to the currency's minor units.
        Ok(Money {
            amount: amount.normalize(),
            currency,
        })
    }

    /// The amount with at least the currency's customary decimal places, e.g. `1234.50` EUR, `1200` JPY.
    pub fn display_amount(&self) -> String {
        let mut amount = self.amount;
        let minor = self.currency.minor_units();
        if amount.scale() < minor {
            amount.rescale(minor);
        }
        amount.to_string()
    }
}

impl Currency {
    /// Decimal places in common use (ISO 4217 minor units).
    pub fn minor_units(self) -> u32 {
        const NONE: &[&str] = &[
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ];
        const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
        if NONE.contains(&self.0) {
            0
        } else if THREE.contains(&self.0) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn draft(amount: &str, currency: &str) -> MoneyDraft {
        MoneyDraft {
            amount: Some(amount.into()),
            currency: Some(currency.into()),
        }
    }

    #[test]
    fn parses_exact_amounts() {
        let m = Money::parse("cost", &draft("1234.50", "eur")).unwrap();
        assert_eq!(m.display_amount(), "1234.50");
        assert_eq!(
            Money::parse("cost", &draft("1200", "JPY"))
                .unwrap()
                .display_amount(),
            "1200"
        );
        assert_eq!(
            Money::parse("cost", &draft("1.5", "KWD"))
                .unwrap()
                .display_amount(),
            "1.500"
        );
        assert_eq!(
            Money::parse("cost", &draft("0.125", "USD"))
                .unwrap()
                .display_amount(),
            "0.125"
        );
        assert_eq!(m.currency.code(), "EUR");
    }

    #[test]
    fn refuses_bad_money() {
        assert_eq!(
            Money::parse("cost", &draft("-1", "EUR")).unwrap_err().code,
            ErrorCode::Negative
        );
        assert_eq!(
            Money::parse("cost", &draft("1e3", "EUR")).unwrap_err().code,
            ErrorCode::Invalid
        );
        assert_eq!(
            Money::parse("cost", &draft("1.00001", "EUR"))
                .unwrap_err()
                .code,
            ErrorCode::Invalid
        );
        let unknown = Money::parse("cost", &draft("1", "XXX")).unwrap_err();
        assert_eq!(
            (unknown.code, unknown.field.as_str()),
            (ErrorCode::UnknownCurrency, "cost.currency")
        );
        assert_eq!(
            Money::parse("cost", &MoneyDraft::default())
                .unwrap_err()
                .code,
            ErrorCode::Required
        );
    }

    proptest! {
        #[test]
        fn amounts_round_trip_exactly(units in 0u64..10_000_000_000, cents in 0u32..100) {
            let text = format!("{units}.{cents:02}");
            let m = Money::parse("cost", &draft(&text, "USD")).unwrap();
            prop_assert_eq!(m.display_amount(), text.clone());
            let json = serde_json::to_value(&m).unwrap();
            let back: Money = serde_json::from_value(json).unwrap();
            prop_assert_eq!(back, m);
        }
    }
}
