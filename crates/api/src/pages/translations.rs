//! Every visible string of the checkout and success pages, in every [`Locale`], read
//! from `assets/translations.json` (one object per language, the same keys in each;
//! a test holds them to that). Placeholders such as `{amount}` are filled by the
//! templates with the `replace` filter, and by `checkout.js` for strings it shows.

use super::{Locale, PageError};
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One language's strings by key.
pub(crate) type Catalog = BTreeMap<String, String>;

const SOURCE: &str = include_str!("../../assets/translations.json");

static CATALOGS: LazyLock<Result<BTreeMap<String, Catalog>, String>> =
    LazyLock::new(|| serde_json::from_str(SOURCE).map_err(|error| error.to_string()));

/// The strings of one language.
pub(crate) fn catalog(locale: Locale) -> Result<&'static Catalog, PageError> {
    let catalogs = CATALOGS.as_ref().map_err(|error| PageError::TranslationsUnavailable(error.clone()))?;
    catalogs
        .get(locale.as_str())
        .ok_or_else(|| PageError::TranslationsUnavailable(format!("no strings for `{}`", locale.as_str())))
}

/// One string, or the key itself when it is missing, so a gap shows up on the page
/// instead of failing the payment (the key-parity test keeps gaps out of releases).
pub(crate) fn text<'a>(catalog: &'a Catalog, key: &'a str) -> &'a str {
    catalog.get(key).map_or(key, String::as_str)
}

/// The buyer-facing name of a method: translated where the name is a word ("Card",
/// "Bank transfer"), the brand otherwise ("iDEAL", "GrabPay").
pub(crate) fn method_label<'a>(catalog: &'a Catalog, method: &str, display_name: &'a str) -> &'a str {
    catalog.get(&format!("method_{method}")).map_or(display_name, String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name)).collect()
    }

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() -> Result<(), PageError> {
        let english = catalog(Locale::En)?;
        assert!(english.len() > 90, "the English table looks truncated");
        for locale in Locale::ALL {
            let strings = catalog(locale)?;
            let english_keys: BTreeSet<_> = english.keys().collect();
            let keys: BTreeSet<_> = strings.keys().collect();
            assert_eq!(keys, english_keys, "{} keys differ from English", locale.as_str());
            for (key, value) in strings {
                assert!(!value.trim().is_empty(), "{}.{key} is empty", locale.as_str());
                assert_eq!(placeholders(value), placeholders(&english[key]), "{}.{key}", locale.as_str());
            }
        }
        Ok(())
    }

    #[test]
    fn arabic_is_really_arabic() -> Result<(), PageError> {
        let pay = text(catalog(Locale::Ar)?, "pay");
        assert!(pay.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)), "{pay}");
        Ok(())
    }

    #[test]
    fn method_labels_translate_words_and_keep_brands() -> Result<(), PageError> {
        let portuguese = catalog(Locale::Pt)?;
        assert_eq!(method_label(portuguese, "card", "Card"), "Cartão");
        assert_eq!(method_label(portuguese, "ideal", "iDEAL"), "iDEAL");
        assert_eq!(text(portuguese, "no_such_key"), "no_such_key");
        Ok(())
    }
}
