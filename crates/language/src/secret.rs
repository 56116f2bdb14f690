//! The translation service's API key, which never prints itself.

use std::fmt;

/// What [`ApiKey`]'s `Debug` and `Display` print instead of the key.
pub const REDACTED: &str = "***";

/// An API key. `Debug` and `Display` print `***`, so a config or client logged with
/// `{:?}` leaks nothing; [`ApiKey::expose`] is for the one place that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(value: impl Into<String>) -> Self {
        ApiKey(value.into())
    }

    /// The key itself, for the request that carries it. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced by `***`: a service may echo
    /// the key in an error message, and errors get logged.
    pub fn scrub(&self, text: &str) -> String {
        if self.0.is_empty() { text.to_owned() } else { text.replace(&self.0, REDACTED) }
    }
}

impl From<&str> for ApiKey {
    fn from(value: &str) -> Self {
        ApiKey(value.to_owned())
    }
}

impl From<String> for ApiKey {
    fn from(value: String) -> Self {
        ApiKey(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(REDACTED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let key = ApiKey::new("sk-live-abc123");
        assert_eq!(format!("{key:?}"), "***");
        assert_eq!(format!("{key}"), "***");
        assert_eq!(format!("{:?}", Some(key.clone())), "Some(***)");
        assert_eq!(key.expose(), "sk-live-abc123");
    }

    #[test]
    fn scrubs_echoed_keys() {
        let key = ApiKey::new("sk-live-abc123");
        assert_eq!(key.scrub("Incorrect API key provided: sk-live-abc123."), "Incorrect API key provided: ***.");
        assert_eq!(ApiKey::new("").scrub("nothing to hide"), "nothing to hide");
    }
}
