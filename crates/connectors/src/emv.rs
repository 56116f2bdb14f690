//! EMVCo merchant-presented QR payloads, the format behind Indonesia's QRIS,
//! Singapore's SGQR, Thailand's PromptPay and their neighbours: a flat list of
//! tag-length-value fields (two-digit tag, two-digit length, value), some of them
//! templates holding fields of their own, closed by tag `63` carrying a CRC-16 of
//! everything before it.

/// A field's value holds at most 99 characters (the length has two digits).
pub const MAX_VALUE_LENGTH: usize = 99;
/// The CRC field: tag `63`, length `04`, four upper-case hex digits.
const CRC_TAG: &str = "63";
const CRC_FIELD_LENGTH: usize = 8;

/// One field of a payload or template. `value` of a template is itself a list of
/// fields; read it with [`parse_fields`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub tag: u8,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmvError {
    #[error("an EMV QR payload is printable ASCII")]
    NotAscii,
    #[error("the field at offset {offset} is cut short")]
    Truncated { offset: usize },
    #[error("the field at offset {offset} has a malformed tag or length")]
    MalformedHeader { offset: usize },
    #[error("the payload does not end with a CRC field")]
    MissingCrc,
    #[error("the payload's CRC is {found}, its content gives {computed:04X}")]
    CrcMismatch { found: String, computed: u16 },
}

/// CRC-16/CCITT-FALSE (polynomial 0x1021, initial value 0xFFFF, no reflection, no
/// final xor), the checksum EMVCo prescribes for QR payloads.
pub fn crc16_ccitt(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0xFFFF_u16, |crc, byte| {
        let mut crc = crc ^ (u16::from(*byte) << 8);
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 { (crc << 1) ^ 0x1021 } else { crc << 1 };
        }
        crc
    })
}

/// Builds a payload field by field, in the order the fields are written.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    text: String,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Writer::default()
    }

    /// Appends a field. Characters outside printable ASCII become `?` and the value is
    /// cut at [`MAX_VALUE_LENGTH`], so the payload stays well-formed whatever the
    /// caller passes; callers keep their values within the limits they document.
    pub(crate) fn field(&mut self, tag: u8, value: &str) -> &mut Self {
        let clean: String = value
            .chars()
            .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
            .take(MAX_VALUE_LENGTH)
            .collect();
        self.text.push_str(&format!("{:02}{:02}{clean}", tag % 100, clean.len()));
        self
    }

    /// Appends a template: a field whose value is the fields `build` writes.
    pub(crate) fn template(&mut self, tag: u8, build: impl FnOnce(&mut Writer)) -> &mut Self {
        let mut inner = Writer::new();
        build(&mut inner);
        debug_assert!(inner.text.len() <= MAX_VALUE_LENGTH, "template {tag} is {} long", inner.text.len());
        self.field(tag, &inner.text)
    }

    /// Closes the payload with its CRC field.
    pub(crate) fn finish(mut self) -> String {
        self.text.push_str(CRC_TAG);
        self.text.push_str("04");
        let crc = crc16_ccitt(self.text.as_bytes());
        self.text.push_str(&format!("{crc:04X}"));
        self.text
    }
}

/// Splits a list of fields (a payload body or a template's value).
pub fn parse_fields(text: &str) -> Result<Vec<Field>, EmvError> {
    if !text.bytes().all(|byte| byte.is_ascii_graphic() || byte == b' ') {
        return Err(EmvError::NotAscii);
    }
    let mut fields = Vec::new();
    let mut offset = 0;
    while offset < text.len() {
        let header = text.get(offset..offset + 4).ok_or(EmvError::Truncated { offset })?;
        if !header.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(EmvError::MalformedHeader { offset });
        }
        let (tag, length) = header.split_at(2);
        let (Ok(tag), Ok(length)) = (tag.parse::<u8>(), length.parse::<usize>()) else {
            return Err(EmvError::MalformedHeader { offset });
        };
        let value = text.get(offset + 4..offset + 4 + length).ok_or(EmvError::Truncated { offset })?;
        fields.push(Field { tag, value: value.to_owned() });
        offset += 4 + length;
    }
    Ok(fields)
}

/// Checks a whole payload's CRC and splits it into its fields, the CRC field last.
pub fn parse(payload: &str) -> Result<Vec<Field>, EmvError> {
    let fields = parse_fields(payload)?;
    let crc_start = payload.len().checked_sub(CRC_FIELD_LENGTH).ok_or(EmvError::MissingCrc)?;
    match fields.last() {
        Some(last) if last.tag == 63 && last.value.len() == 4 => {}
        _ => return Err(EmvError::MissingCrc),
    }
    let (covered, found) = payload.split_at(crc_start + 4);
    let computed = crc16_ccitt(covered.as_bytes());
    if !found.eq_ignore_ascii_case(&format!("{computed:04X}")) {
        return Err(EmvError::CrcMismatch { found: found.to_owned(), computed });
    }
    Ok(fields)
}

/// The value of the first field with `tag`.
pub fn find(fields: &[Field], tag: u8) -> Option<&str> {
    fields.iter().find(|field| field.tag == tag).map(|field| field.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_matches_the_standard_check_value() {
        // The catalogue check value of CRC-16/CCITT-FALSE.
        assert_eq!(crc16_ccitt(b"123456789"), 0x29B1);
        assert_eq!(crc16_ccitt(b""), 0xFFFF);
    }

    #[test]
    fn writes_and_reads_fields_and_templates() -> Result<(), EmvError> {
        let mut writer = Writer::new();
        writer.field(0, "01").template(26, |inner| {
            inner.field(0, "COM.EXAMPLE").field(1, "12345");
        });
        writer.field(59, "SHOP");
        let payload = writer.finish();
        assert!(payload.starts_with("0002012624"));
        let fields = parse(&payload)?;
        assert_eq!(fields.len(), 4);
        assert_eq!(find(&fields, 0), Some("01"));
        assert_eq!(find(&fields, 59), Some("SHOP"));
        let template = parse_fields(find(&fields, 26).unwrap_or_default())?;
        assert_eq!(find(&template, 0), Some("COM.EXAMPLE"));
        assert_eq!(find(&template, 1), Some("12345"));
        Ok(())
    }

    #[test]
    fn the_writer_keeps_payloads_well_formed() -> Result<(), EmvError> {
        let mut writer = Writer::new();
        writer.field(5, &"x".repeat(150)).field(7, "naïve\n");
        let fields = parse(&writer.finish())?;
        assert_eq!(fields[0].value.len(), MAX_VALUE_LENGTH);
        assert_eq!(fields[1].value, "na?ve?");
        Ok(())
    }

    #[test]
    fn rejects_corrupted_payloads() {
        let mut writer = Writer::new();
        writer.field(0, "01").field(54, "10000.00");
        let payload = writer.finish();
        let altered = payload.replacen("10000", "90000", 1);
        assert!(matches!(parse(&altered), Err(EmvError::CrcMismatch { .. })));
        assert_eq!(parse(&payload[..payload.len() - 8]), Err(EmvError::MissingCrc));
        assert_eq!(parse(&payload[..payload.len() - 2]), Err(EmvError::Truncated { offset: 18 }));
        assert_eq!(parse("0005AB"), Err(EmvError::Truncated { offset: 0 }));
        assert_eq!(parse("+1020163041234"), Err(EmvError::MalformedHeader { offset: 0 }));
        assert_eq!(parse("0x0201"), Err(EmvError::MalformedHeader { offset: 0 }));
        assert_eq!(parse("000201é"), Err(EmvError::NotAscii));
        assert_eq!(parse(""), Err(EmvError::MissingCrc));
    }
}
