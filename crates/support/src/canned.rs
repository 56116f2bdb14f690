//! Canned responses: replies agents insert by shortcut (`/refund-delay`), with
//! `{{variable}}` placeholders filled from the conversation (the buyer, the order, the
//! shipment, the agent). A template is checked when it is saved, so an unknown variable
//! or a broken placeholder is caught by the person who wrote it, not sent to a buyer.

use std::collections::BTreeMap;

use crate::SupportError;
use crate::message::MESSAGE_TEXT_CHARS_MAX;
use crate::name::{echo, named_enum};

/// The longest shortcut after its `/`.
pub const SHORTCUT_CHARS_MAX: usize = 32;
/// The longest template, in characters: a rendered template is a message.
pub const TEMPLATE_CHARS_MAX: usize = MESSAGE_TEXT_CHARS_MAX;

named_enum! {
    /// The values a template can use.
    #[derive(PartialOrd, Ord)]
    pub enum Variable("template variable") {
        BuyerName => "buyer_name",
        BuyerEmail => "buyer_email",
        OrderNumber => "order_number",
        OrderStatus => "order_status",
        TrackingNumber => "tracking_number",
        TrackingLink => "tracking_link",
        Carrier => "carrier",
        AgentName => "agent_name",
        MerchantName => "merchant_name",
    }
}

/// The values a conversation has for the variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables {
    values: BTreeMap<Variable, String>,
}

impl Variables {
    pub fn new() -> Variables {
        Variables::default()
    }

    /// Sets a value; a blank value counts as none.
    pub fn set(&mut self, variable: Variable, value: &str) -> &mut Variables {
        let value = value.trim();
        if value.is_empty() {
            self.values.remove(&variable);
        } else {
            self.values.insert(variable, value.to_owned());
        }
        self
    }

    pub fn get(&self, variable: Variable) -> Option<&str> {
        self.values.get(&variable).map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Text(String),
    Variable(Variable),
}

/// A parsed template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CannedTemplate {
    source: String,
    segments: Vec<Segment>,
}

impl CannedTemplate {
    /// Parses a template. `{{ name }}` (spaces inside are allowed) must name a known
    /// [`Variable`]; every `{{` needs its `}}` and every `}}` its `{{`. Single braces are
    /// ordinary text. Errors give the 0-based character position of the placeholder.
    pub fn parse(text: &str) -> Result<CannedTemplate, SupportError> {
        let length_chars = text.chars().count();
        if length_chars > TEMPLATE_CHARS_MAX {
            return Err(SupportError::TemplateTooLong { length_chars, chars_max: TEMPLATE_CHARS_MAX });
        }
        let characters: Vec<char> = text.chars().collect();
        let mut segments = Vec::new();
        let mut literal = String::new();
        let mut index = 0;
        while index < characters.len() {
            let pair = (characters[index], characters.get(index + 1).copied());
            match pair {
                ('{', Some('{')) => {
                    let position = index;
                    let inner_start = index + 2;
                    let inner_end = (inner_start..characters.len().saturating_sub(1))
                        .find(|&at| characters[at] == '}' && characters[at + 1] == '}')
                        .ok_or(SupportError::TemplateUnclosedPlaceholder { position })?;
                    let inner: String = characters[inner_start..inner_end].iter().collect();
                    let name = inner.trim();
                    if name.is_empty() {
                        return Err(SupportError::TemplateEmptyPlaceholder { position });
                    }
                    let variable = Variable::parse(name)
                        .map_err(|_| SupportError::TemplateUnknownVariable { name: echo(name), position })?;
                    if !literal.is_empty() {
                        segments.push(Segment::Text(std::mem::take(&mut literal)));
                    }
                    segments.push(Segment::Variable(variable));
                    index = inner_end + 2;
                }
                ('}', Some('}')) => return Err(SupportError::TemplateStrayClosingBraces { position: index }),
                (character, _) => {
                    literal.push(character);
                    index += 1;
                }
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Text(literal));
        }
        Ok(CannedTemplate { source: text.to_owned(), segments })
    }

    /// The template as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The variables the template uses, each once, in order of first use.
    pub fn variables(&self) -> Vec<Variable> {
        let mut used = Vec::new();
        for segment in &self.segments {
            if let Segment::Variable(variable) = segment
                && !used.contains(variable)
            {
                used.push(*variable);
            }
        }
        used
    }

    /// The variables the template uses that `values` has no value for, so the console
    /// can warn before the agent sends.
    pub fn missing(&self, values: &Variables) -> Vec<Variable> {
        self.variables().into_iter().filter(|variable| values.get(*variable).is_none()).collect()
    }

    /// Fills the placeholders. A variable without a value is an error naming it (the
    /// first one; [`CannedTemplate::missing`] lists all), never an empty gap in a reply.
    /// The result obeys the message length bound.
    pub fn render(&self, values: &Variables) -> Result<String, SupportError> {
        let mut rendered = String::with_capacity(self.source.len());
        for segment in &self.segments {
            match segment {
                Segment::Text(text) => rendered.push_str(text),
                Segment::Variable(variable) => {
                    let value =
                        values.get(*variable).ok_or(SupportError::MissingVariable { variable: variable.as_str() })?;
                    rendered.push_str(value);
                }
            }
        }
        let length_chars = rendered.chars().count();
        if length_chars > MESSAGE_TEXT_CHARS_MAX {
            return Err(SupportError::MessageTooLong { length_chars, chars_max: MESSAGE_TEXT_CHARS_MAX });
        }
        Ok(rendered)
    }
}

/// A canned response's shortcut: `/` then `[a-z0-9][a-z0-9-]*`, at most
/// [`SHORTCUT_CHARS_MAX`] characters after the slash. Stored with its slash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Shortcut(String);

impl Shortcut {
    /// Parses `/refund-delay` or `refund-delay` (the slash is added), trimmed and
    /// lowercased, as an agent types it.
    pub fn parse(input: &str) -> Result<Shortcut, SupportError> {
        let lowered = input.trim().to_lowercase();
        let body = lowered.strip_prefix('/').unwrap_or(&lowered);
        let mut bytes = body.bytes();
        let first_is_valid = bytes.next().is_some_and(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit());
        let rest_is_valid = bytes.all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
        if first_is_valid && rest_is_valid && body.len() <= SHORTCUT_CHARS_MAX {
            Ok(Shortcut(format!("/{body}")))
        } else {
            Err(SupportError::ShortcutInvalid { value: echo(input) })
        }
    }

    /// With its slash: `/refund-delay`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Shortcut {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn values() -> Variables {
        let mut values = Variables::new();
        values.set(Variable::BuyerName, "Ana").set(Variable::OrderNumber, "1001").set(Variable::Carrier, "  ");
        values
    }

    #[test]
    fn renders_known_variables() {
        let template =
            CannedTemplate::parse("Hi {{buyer_name}}, order #{{ order_number }} is on its way. {{buyer_name}}!")
                .unwrap();
        assert_eq!(template.variables(), vec![Variable::BuyerName, Variable::OrderNumber]);
        assert_eq!(template.render(&values()).unwrap(), "Hi Ana, order #1001 is on its way. Ana!");
        assert!(template.missing(&values()).is_empty());
        let plain = CannedTemplate::parse("No placeholders {here} } {").unwrap();
        assert_eq!(plain.render(&Variables::new()).unwrap(), "No placeholders {here} } {");
        assert_eq!(CannedTemplate::parse("").unwrap().render(&Variables::new()).unwrap(), "");
    }

    #[test]
    fn missing_values_are_named() {
        let template = CannedTemplate::parse("{{carrier}}: {{tracking_link}} ({{buyer_name}})").unwrap();
        assert_eq!(template.render(&values()), Err(SupportError::MissingVariable { variable: "carrier" }));
        assert_eq!(template.missing(&values()), vec![Variable::Carrier, Variable::TrackingLink]);
    }

    #[test]
    fn malformed_templates_name_the_place() {
        assert_eq!(
            CannedTemplate::parse("Hi {{buyer_nme}}"),
            Err(SupportError::TemplateUnknownVariable { name: "buyer_nme".to_owned(), position: 3 })
        );
        assert_eq!(
            CannedTemplate::parse("Hi {{buyer_name"),
            Err(SupportError::TemplateUnclosedPlaceholder { position: 3 })
        );
        assert_eq!(CannedTemplate::parse("é {{"), Err(SupportError::TemplateUnclosedPlaceholder { position: 2 }));
        assert_eq!(
            CannedTemplate::parse("Hi buyer_name}}"),
            Err(SupportError::TemplateStrayClosingBraces { position: 13 })
        );
        assert_eq!(CannedTemplate::parse("Hi {{  }}"), Err(SupportError::TemplateEmptyPlaceholder { position: 3 }));
        assert!(matches!(CannedTemplate::parse("{{{buyer_name}}}"), Err(SupportError::TemplateUnknownVariable { .. })));
        assert!(matches!(CannedTemplate::parse("{{BUYER_NAME}}"), Err(SupportError::TemplateUnknownVariable { .. })));
        let too_long = "x".repeat(TEMPLATE_CHARS_MAX + 1);
        assert!(matches!(CannedTemplate::parse(&too_long), Err(SupportError::TemplateTooLong { .. })));
    }

    #[test]
    fn rendered_text_obeys_the_message_bound() {
        let template =
            CannedTemplate::parse(&format!("{}{{{{buyer_name}}}}", "x".repeat(TEMPLATE_CHARS_MAX - 14))).unwrap();
        let mut values = Variables::new();
        values.set(Variable::BuyerName, "a name far too long");
        assert!(matches!(template.render(&values), Err(SupportError::MessageTooLong { .. })));
    }

    #[test]
    fn shortcuts_are_slugs_with_a_slash() {
        assert_eq!(Shortcut::parse("/refund-delay").unwrap().as_str(), "/refund-delay");
        assert_eq!(Shortcut::parse(" Refund-Delay ").unwrap().as_str(), "/refund-delay");
        assert_eq!(Shortcut::parse(&format!("/{}", "a".repeat(SHORTCUT_CHARS_MAX))).unwrap().to_string().len(), 33);
        for invalid in [
            "/",
            "",
            "//x",
            "/-x",
            "/refund delay",
            "/refund_delay",
            "/émoji",
            &format!("/{}", "a".repeat(SHORTCUT_CHARS_MAX + 1)),
        ] {
            assert!(matches!(Shortcut::parse(invalid), Err(SupportError::ShortcutInvalid { .. })), "{invalid}");
        }
    }

    #[test]
    fn variable_names_round_trip() {
        assert_eq!(Variable::ALL.len(), 9);
        for variable in Variable::ALL {
            assert_eq!(Variable::parse(variable.as_str()).unwrap(), *variable);
        }
    }
}
