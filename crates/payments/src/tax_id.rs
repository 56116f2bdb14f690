//! Brazilian taxpayer ids: CPF (people, 11 digits) and CNPJ (companies, 14 digits),
//! each with two mod-11 check digits. Boleto requires one of them.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrazilianTaxIdKind {
    Cpf,
    Cnpj,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrazilianTaxId {
    pub kind: BrazilianTaxIdKind,
    pub digits: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`tax_id` must be a valid CPF (11 digits) or CNPJ (14 digits)")]
pub struct InvalidTaxId;

fn check_digit(digits: &[u32], weights: &[u32]) -> u32 {
    let sum: u32 = digits.iter().zip(weights).map(|(digit, weight)| digit * weight).sum();
    match sum % 11 {
        0 | 1 => 0,
        remainder => 11 - remainder,
    }
}

impl BrazilianTaxId {
    /// Parses a CPF or CNPJ with or without its punctuation (`123.456.789-09`).
    pub fn parse(raw: &str) -> Result<Self, InvalidTaxId> {
        let cleaned: String = raw.chars().filter(|c| !matches!(c, '.' | '-' | '/' | ' ')).collect();
        let digits: Vec<u32> = cleaned.chars().map(|c| c.to_digit(10)).collect::<Option<_>>().ok_or(InvalidTaxId)?;
        // Repeated digits (000.000.000-00) pass the checksum but are never issued.
        if digits.windows(2).all(|pair| pair[0] == pair[1]) {
            return Err(InvalidTaxId);
        }
        let kind = match digits.len() {
            11 => {
                let first = check_digit(&digits[..9], &[10, 9, 8, 7, 6, 5, 4, 3, 2]);
                let second = check_digit(&digits[..10], &[11, 10, 9, 8, 7, 6, 5, 4, 3, 2]);
                if digits[9] != first || digits[10] != second {
                    return Err(InvalidTaxId);
                }
                BrazilianTaxIdKind::Cpf
            }
            14 => {
                let first = check_digit(&digits[..12], &[5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
                let second = check_digit(&digits[..13], &[6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]);
                if digits[12] != first || digits[13] != second {
                    return Err(InvalidTaxId);
                }
                BrazilianTaxIdKind::Cnpj
            }
            _ => return Err(InvalidTaxId),
        };
        Ok(BrazilianTaxId { kind, digits: cleaned })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_invalid_ids() {
        assert_eq!(BrazilianTaxId::parse("123.456.789-09").map(|id| id.kind), Ok(BrazilianTaxIdKind::Cpf));
        assert_eq!(BrazilianTaxId::parse("123.456.789-00"), Err(InvalidTaxId));
        assert_eq!(BrazilianTaxId::parse("111.111.111-11"), Err(InvalidTaxId));
        assert_eq!(BrazilianTaxId::parse("11.222.333/0001-81").map(|id| id.kind), Ok(BrazilianTaxIdKind::Cnpj));
        assert_eq!(BrazilianTaxId::parse("11.222.333/0001-80"), Err(InvalidTaxId));
        assert_eq!(BrazilianTaxId::parse("abc"), Err(InvalidTaxId));
    }
}
