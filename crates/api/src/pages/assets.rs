//! The pages' static files (`crates/api/assets/`), embedded in the binary with
//! rust-embed and served at `/assets/<file>`. URLs carry a content hash
//! (`?v=…`) so a deploy never serves a stale stylesheet next to a new template.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// Hex digits of the content hash kept in asset URLs; enough to tell versions apart.
const VERSION_HEX_DIGITS: usize = 12;

/// The content type and bytes of an embedded file, for `GET /assets/{path}`. Paths
/// that try to leave the folder are refused before the lookup.
pub fn asset(path: &str) -> Option<(&'static str, Cow<'static, [u8]>)> {
    if path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.split('/').any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return None;
    }
    let file = Assets::get(path)?;
    Some((content_type(path), file.data))
}

fn content_type(path: &str) -> &'static str {
    let extension = path.rsplit_once('.').map_or("", |(_, extension)| extension);
    match extension {
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

static VERSIONS: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    Assets::iter()
        .filter_map(|name| {
            let file = Assets::get(&name)?;
            let version = hex::encode(file.metadata.sha256_hash());
            Some((name.into_owned(), version.chars().take(VERSION_HEX_DIGITS).collect()))
        })
        .collect()
});

/// The content version of an embedded file (the start of its SHA-256, hex), for
/// `ETag`s of files served under URLs without a version.
pub fn asset_version(name: &str) -> Option<&'static str> {
    VERSIONS.get(name).map(String::as_str)
}

/// `/assets/checkout.css?v=<hash>`; an unknown name gets no version, so a typo shows
/// up as a 404 in the browser rather than a render failure.
pub(crate) fn versioned_url(name: &str) -> String {
    match VERSIONS.get(name) {
        Some(version) => format!("/assets/{name}?v={version}"),
        None => format!("/assets/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_embedded_files_with_their_types() {
        let (content_type, bytes) = asset("checkout.js").unwrap_or(("missing", Cow::Borrowed(&[])));
        assert_eq!(content_type, "text/javascript; charset=utf-8");
        assert!(!bytes.is_empty());
        assert_eq!(asset("checkout.css").map(|(kind, _)| kind), Some("text/css; charset=utf-8"));
        assert!(asset("nope.css").is_none());
    }

    #[test]
    fn refuses_paths_that_leave_the_folder() {
        for path in ["../Cargo.toml", "/etc/passwd", "a/../../b", "", "./checkout.js", "..\\x", "a//b"] {
            assert!(asset(path).is_none(), "{path}");
        }
    }

    #[test]
    fn urls_carry_a_content_version() {
        let url = versioned_url("checkout.css");
        assert!(url.starts_with("/assets/checkout.css?v="), "{url}");
        assert_eq!(url.len(), "/assets/checkout.css?v=".len() + VERSION_HEX_DIGITS);
        assert_eq!(versioned_url("unknown.css"), "/assets/unknown.css");
    }
}
