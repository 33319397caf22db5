//! Secrets, and what stands for them, kept out of logs: their `Debug` says `(redacted)`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A secret (or a hash that identifies one), stored and compared as its text but never printed
/// by `{:?}`, so no derived `Debug` of a record or setting that holds one can leak it.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// The text itself, for where it is used: signing, hashing, comparing, showing it once.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(redacted)")
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Secret {
        Secret(text)
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Secret {
        Secret(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_text_and_serde_keeps_it_plain() {
        let secret = Secret::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assert_eq!(format!("{secret:?}"), "(redacted)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some((redacted))");
        assert_eq!(
            serde_json::to_value(&secret).unwrap(),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        );
        let back: Secret = serde_json::from_value(serde_json::json!("abc")).unwrap();
        assert_eq!(back.expose(), "abc");
    }
}
