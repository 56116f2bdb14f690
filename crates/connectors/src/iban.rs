//! IBAN checking (ISO 13616): the country's length and the ISO 7064 mod 97-10 check
//! digits. Used for the sandbox's own receiving accounts and for the accounts buyers
//! give when a refund goes to a bank account.

/// IBAN lengths of the countries the sandbox meets most; other countries are held to
/// the general 15–34 character range.
const COUNTRY_LENGTHS: &[(&str, usize)] = &[
    ("AT", 20),
    ("BE", 16),
    ("CH", 21),
    ("DE", 22),
    ("ES", 24),
    ("FR", 27),
    ("GB", 22),
    ("IE", 22),
    ("IT", 27),
    ("LU", 20),
    ("NL", 18),
    ("PT", 25),
];
const MINIMUM_LENGTH: usize = 15;
const MAXIMUM_LENGTH: usize = 34;

/// The remainder modulo 97 of the number formed by `characters`, each letter read as
/// two digits (A = 10 … Z = 35), as ISO 7064 mod 97-10 does. `None` when a character
/// is neither an ASCII digit nor an upper-case letter.
fn mod97(characters: impl IntoIterator<Item = char>) -> Option<u32> {
    characters.into_iter().try_fold(0u32, |remainder, character| match character {
        '0'..='9' => Some((remainder * 10 + (character as u32 - '0' as u32)) % 97),
        'A'..='Z' => Some((remainder * 100 + (character as u32 - 'A' as u32 + 10)) % 97),
        _ => None,
    })
}

/// The canonical form of an IBAN (upper case, no spaces) if it is one.
pub fn normalize(value: &str) -> Option<String> {
    let compact: String = value.chars().filter(|c| *c != ' ').map(|c| c.to_ascii_uppercase()).collect();
    if !(MINIMUM_LENGTH..=MAXIMUM_LENGTH).contains(&compact.len()) || !compact.is_ascii() {
        return None;
    }
    let (head, bban) = compact.split_at(4);
    let (country, check) = head.split_at(2);
    if !country.bytes().all(|b| b.is_ascii_uppercase()) || !check.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Some((_, length)) = COUNTRY_LENGTHS.iter().find(|(code, _)| *code == country)
        && compact.len() != *length
    {
        return None;
    }
    // The check digits make the number "BBAN, country, check" leave remainder 1.
    let remainder = mod97(bban.chars().chain(head.chars()))?;
    (remainder == 1).then_some(compact)
}

/// Whether `value` is a well-formed IBAN with correct check digits; spaces and case
/// do not matter.
pub fn is_valid(value: &str) -> bool {
    normalize(value).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_published_examples() {
        assert!(is_valid("DE89370400440532013000"));
        assert!(is_valid("de89 3704 0044 0532 0130 00"));
        assert!(is_valid("GB82WEST12345698765432"));
        assert!(is_valid("NL91ABNA0417164300"));
        assert_eq!(normalize("nl91 abna 0417 1643 00").as_deref(), Some("NL91ABNA0417164300"));
    }

    #[test]
    fn rejects_wrong_check_digits_lengths_and_characters() {
        assert!(!is_valid("DE88370400440532013000"));
        assert!(!is_valid("DE8937040044053201300"));
        assert!(!is_valid("NL91ABNA041716430"));
        assert!(!is_valid("GB82-WEST-1234-5698-7654-32"));
        assert!(!is_valid("1289370400440532013000"));
        assert!(!is_valid("DEXX370400440532013000"));
        assert!(!is_valid("DE89370400440532013000É"));
        assert!(!is_valid(""));
    }

    #[test]
    fn mod97_reads_letters_as_two_digits() {
        assert_eq!(mod97("A".chars()), Some(10));
        assert_eq!(mod97("97".chars()), Some(0));
        assert_eq!(mod97("a".chars()), None);
    }
}
