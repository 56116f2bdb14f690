//! Buyer details and bounded metadata, validated once at the edge of the domain.

/// Stripe's metadata bounds: 50 keys, keys up to 40 characters, values up to 500.
pub const METADATA_KEYS_MAX: usize = 50;
pub const METADATA_KEY_LENGTH_MAX: usize = 40;
pub const METADATA_VALUE_LENGTH_MAX: usize = 500;
pub const DESCRIPTION_LENGTH_MAX: usize = 1000;
/// Card networks print at most 22 characters on a statement.
pub const STATEMENT_DESCRIPTOR_LENGTH_MAX: usize = 22;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata may have at most {METADATA_KEYS_MAX} keys")]
    TooManyKeys,
    #[error("metadata keys must be 1 to {METADATA_KEY_LENGTH_MAX} characters")]
    KeyLength,
    #[error("metadata values must be at most {METADATA_VALUE_LENGTH_MAX} characters")]
    ValueLength,
}

/// Checks metadata against the bounds; the caller names the parameter.
pub fn validate_metadata<'a>(entries: impl ExactSizeIterator<Item = (&'a str, &'a str)>) -> Result<(), MetadataError> {
    if entries.len() > METADATA_KEYS_MAX {
        return Err(MetadataError::TooManyKeys);
    }
    for (key, value) in entries {
        if key.is_empty() || key.chars().count() > METADATA_KEY_LENGTH_MAX {
            return Err(MetadataError::KeyLength);
        }
        if value.chars().count() > METADATA_VALUE_LENGTH_MAX {
            return Err(MetadataError::ValueLength);
        }
    }
    Ok(())
}

/// A minimal e-mail shape check: one `@`, something on both sides, a dot in the domain.
pub fn is_plausible_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.contains(char::is_whitespace)
        && value.len() <= 254
}

/// Statement descriptors: 5 to 22 characters, none of `<>\'"*`.
pub fn is_valid_statement_descriptor(value: &str) -> bool {
    let length = value.chars().count();
    (5..=STATEMENT_DESCRIPTOR_LENGTH_MAX).contains(&length)
        && !value.chars().any(|c| matches!(c, '<' | '>' | '\\' | '\'' | '"' | '*'))
        && value.chars().any(|c| c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert!(validate_metadata([("order", "42")].into_iter()).is_ok());
        assert_eq!(validate_metadata([("", "x")].into_iter()), Err(MetadataError::KeyLength));
        let long = "x".repeat(501);
        assert_eq!(validate_metadata([("k", long.as_str())].into_iter()), Err(MetadataError::ValueLength));
        assert!(is_plausible_email("ana@example.com.br"));
        assert!(!is_plausible_email("ana@example"));
        assert!(is_valid_statement_descriptor("TRADEWIND SHOP"));
        assert!(!is_valid_statement_descriptor("ab"));
        assert!(!is_valid_statement_descriptor("BAD*SHOP"));
    }
}
