//! The template environment: every page template compiled once, with HTML autoescape
//! (the `.html` names turn it on) and strict undefined values, so a misspelt variable
//! or a missing translation key fails the render and its unit test instead of showing
//! a blank.

use super::{PageError, assets};
use minijinja::{AutoEscape, Environment, Error, Output, State, UndefinedBehavior, Value};
use std::sync::LazyLock;

/// Name and source of every template; `include_str!` puts them in the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("icons.html", include_str!("../../templates/icons.html")),
    ("checkout.html", include_str!("../../templates/checkout.html")),
    ("success.html", include_str!("../../templates/success.html")),
    ("three_ds.html", include_str!("../../templates/three_ds.html")),
    ("redirect.html", include_str!("../../templates/redirect.html")),
    ("boleto.html", include_str!("../../templates/boleto.html")),
    ("message.html", include_str!("../../templates/message.html")),
    ("console.html", include_str!("../../templates/console.html")),
    ("shop.html", include_str!("../../templates/shop.html")),
];

static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(build);

fn build() -> Result<Environment<'static>, String> {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(UndefinedBehavior::Strict);
    environment.set_formatter(format_value);
    // `asset_url("checkout.css")` gives a content-versioned URL, so the handler can
    // let browsers cache assets for good.
    environment.add_function("asset_url", |name: &str| assets::versioned_url(name));
    for (name, source) in TEMPLATES {
        environment.add_template(name, source).map_err(|error| format!("{name}: {error:#}"))?;
    }
    Ok(environment)
}

/// Prints a value. Strings are escaped for HTML with the five characters that matter
/// (`& < > " '`); minijinja's default also escapes `/`, which is safe but turns every
/// URL in an attribute into `&#x2f;` soup. Everything else prints as by default.
fn format_value(output: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    match (state.auto_escape(), value.as_str()) {
        (AutoEscape::Html, Some(text)) if !value.is_safe() => Ok(output.write_str(&escape_html(text))?),
        _ => minijinja::escape_formatter(output, state, value),
    }
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Renders one template with its context.
pub(crate) fn render(name: &'static str, context: Value) -> Result<String, PageError> {
    let environment = ENVIRONMENT.as_ref().map_err(|error| PageError::TemplatesUnavailable(error.clone()))?;
    let template = environment.get_template(name).map_err(|source| PageError::Render { name, source })?;
    template.render(context).map_err(|source| PageError::Render { name, source })
}

/// Serializes data for a `<script type="application/json">` block. `<`, `>` and `&`
/// become `\u` escapes so no value can close the script element or open a comment,
/// and U+2028/U+2029 are escaped for old parsers; the result is still the same JSON.
pub(crate) fn script_json(value: &serde_json::Value) -> Result<Value, PageError> {
    let raw = serde_json::to_string(value)?;
    let mut escaped = String::with_capacity(raw.len());
    for character in raw.chars() {
        match character {
            '<' => escaped.push_str("\\u003c"),
            '>' => escaped.push_str("\\u003e"),
            '&' => escaped.push_str("\\u0026"),
            '\u{2028}' => escaped.push_str("\\u2028"),
            '\u{2029}' => escaped.push_str("\\u2029"),
            other => escaped.push(other),
        }
    }
    Ok(Value::from_safe_string(escaped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        assert!(ENVIRONMENT.is_ok(), "templates failed to compile: {:?}", ENVIRONMENT.as_ref().err());
    }

    #[test]
    fn strings_are_escaped_but_urls_stay_readable() -> Result<(), PageError> {
        let html = render(
            "message.html",
            minijinja::context! {
                lang => "en", dir => "ltr", title => "a/b", body => r#"<b x='1' y="2">&</b>"#,
            },
        )?;
        assert!(html.contains("a/b"));
        assert!(html.contains("&lt;b x=&#39;1&#39; y=&quot;2&quot;&gt;&amp;&lt;/b&gt;"), "{html}");
        Ok(())
    }

    #[test]
    fn script_json_cannot_close_the_script_element() -> Result<(), PageError> {
        let hostile = serde_json::json!({ "merchant": "</script><script>alert(1)</script> & <!--" });
        let rendered = script_json(&hostile)?.to_string();
        assert!(!rendered.contains('<'), "{rendered}");
        assert!(!rendered.contains('>'), "{rendered}");
        let round_trip: serde_json::Value = serde_json::from_str(&rendered)?;
        assert_eq!(round_trip, hostile);
        Ok(())
    }
}
