//! The names enums cross the API and the database with. Domain types here are not
//! `Serialize`: the API layer maps each enum through `as_str` and `parse`, so the spelling
//! lives in one place per enum and an unknown spelling is a typed error.

/// The longest part of an unknown value an error repeats back, so a megabyte of garbage
/// in a request does not come back in the error message.
pub const ECHO_CHARS_MAX: usize = 64;

/// The first [`ECHO_CHARS_MAX`] characters of a value, for error messages.
pub(crate) fn echo(value: &str) -> String {
    value.chars().take(ECHO_CHARS_MAX).collect()
}

/// Declares a fieldless enum with `ALL`, `as_str`, `parse` and `Display`.
///
/// `parse` is exact (case-sensitive): these names are written by our own API clients and
/// stored in our own tables, so a near miss is a bug worth reporting, not guessing at.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($kind:literal) {
            $($(#[$variant_meta:meta])* $variant:ident => $text:literal),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$variant_meta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name used by the API and the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value named `value` (exactly as [`Self::as_str`] spells it).
            pub fn parse(value: &str) -> Result<Self, $crate::SupportError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|candidate| candidate.as_str() == value)
                    .ok_or_else(|| $crate::SupportError::UnknownName { kind: $kind, value: $crate::name::echo(value) })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use named_enum;
