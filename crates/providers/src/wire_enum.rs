//! `wire_enum!`: an enum of every documented value of a provider's string field, plus
//! `Unknown(String)` for values documented later, so a new value deserializes instead
//! of failing and every `match` on it must say what an unknown value means.

/// Declares `pub enum $name { $variant, …, Unknown(String) }` with `parse`, `as_str`
/// and `Deserialize` from the listed strings.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$variant_doc:meta])* $variant:ident = $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $name {
            $($(#[$variant_doc])* $variant,)+
            /// A value the provider did not document when this was written.
            Unknown(String),
        }

        impl $name {
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(other) => other,
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Ok($name::parse(&text))
            }
        }
    };
}
