//! Interleaved 2 of 5 (ITF), the barcode symbology of Brazilian boletos, drawn as an
//! SVG on the server. Digits go in pairs: the first digit of a pair is written by the
//! widths of five bars, the second by the five spaces between them; each digit has
//! exactly two wide elements. A start pattern (narrow bar, space, bar, space) and a
//! stop pattern (wide bar, narrow space, narrow bar) frame the symbol.

use super::PageError;

/// Digits in a boleto barcode (FEBRABAN layout).
pub(crate) const BOLETO_BARCODE_DIGITS: usize = 44;
/// Width of a narrow element in modules.
const NARROW_MODULES: u32 = 1;
/// Width of a wide element; FEBRABAN allows 2.25 to 3 times the narrow width.
const WIDE_MODULES: u32 = 3;
/// Blank margin on each side, so scanners find the start and stop patterns.
const QUIET_ZONE_MODULES: u32 = 10;
/// Bar height in modules; the SVG is scaled to the printed size by its width/height.
const HEIGHT_MODULES: u32 = 50;

/// Wide (`true`) or narrow for the five elements of each digit 0–9.
const DIGIT_PATTERNS: [[bool; 5]; 10] = [
    [false, false, true, true, false],
    [true, false, false, false, true],
    [false, true, false, false, true],
    [true, true, false, false, false],
    [false, false, true, false, true],
    [true, false, true, false, false],
    [false, true, true, false, false],
    [false, false, false, true, true],
    [true, false, false, true, false],
    [false, true, false, true, false],
];

fn width(wide: bool) -> u32 {
    if wide { WIDE_MODULES } else { NARROW_MODULES }
}

/// The element widths in order, starting with a bar and alternating bar/space.
fn element_widths(digits: &[u8]) -> Vec<u32> {
    let mut widths = vec![NARROW_MODULES; 4];
    for pair in digits.chunks_exact(2) {
        let bars = DIGIT_PATTERNS[usize::from(pair[0])];
        let spaces = DIGIT_PATTERNS[usize::from(pair[1])];
        for (bar, space) in bars.into_iter().zip(spaces) {
            widths.push(width(bar));
            widths.push(width(space));
        }
    }
    widths.extend([WIDE_MODULES, NARROW_MODULES, NARROW_MODULES]);
    widths
}

/// The 44-digit boleto barcode as an inline SVG, 103 mm × 13 mm as FEBRABAN prints it.
pub(crate) fn boleto_barcode_svg(barcode: &str) -> Result<String, PageError> {
    if barcode.len() != BOLETO_BARCODE_DIGITS || !barcode.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(PageError::InvalidBarcode { length: barcode.chars().count() });
    }
    let digits: Vec<u8> = barcode.bytes().map(|byte| byte - b'0').collect();
    let widths = element_widths(&digits);
    let total_modules = widths.iter().sum::<u32>() + 2 * QUIET_ZONE_MODULES;
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="barcode" id="barcode" viewBox="0 0 {total_modules} {HEIGHT_MODULES}" width="103mm" height="13mm" preserveAspectRatio="none" shape-rendering="crispEdges" role="img" aria-label="Código de barras {barcode}"><rect width="{total_modules}" height="{HEIGHT_MODULES}" fill="#fff"/>"##
    );
    let mut x = QUIET_ZONE_MODULES;
    for (index, element_width) in widths.iter().enumerate() {
        if index % 2 == 0 {
            svg.push_str(&format!(
                r##"<rect x="{x}" width="{element_width}" height="{HEIGHT_MODULES}" fill="#000"/>"##
            ));
        }
        x += element_width;
    }
    svg.push_str("</svg>");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "00193373700000001000500940144816060680935031";

    /// Reads the digits back from the drawn bars, as a scanner would.
    fn decode(svg: &str) -> Option<String> {
        let mut bars: Vec<(u32, u32)> = Vec::new();
        for rect in svg.split("<rect x=\"").skip(1) {
            let (x, rest) = rect.split_once('"')?;
            let width = rest.split("width=\"").nth(1)?.split('"').next()?;
            bars.push((x.parse().ok()?, width.parse().ok()?));
        }
        // Rebuild bar, space, bar, space … widths from the bar positions.
        let mut widths = Vec::new();
        for window in bars.windows(2) {
            let ((x, bar_width), (next_x, _)) = (window[0], window[1]);
            widths.push(bar_width);
            widths.push(next_x - x - bar_width);
        }
        widths.push(bars.last()?.1);
        let body = widths.get(4..widths.len() - 3)?;
        let pattern_of = |elements: Vec<u32>| {
            DIGIT_PATTERNS.iter().position(|pattern| pattern.iter().zip(&elements).all(|(wide, w)| width(*wide) == *w))
        };
        let mut digits = String::new();
        for chunk in body.chunks(10) {
            let bars_pattern: Vec<u32> = chunk.iter().step_by(2).copied().collect();
            let spaces_pattern: Vec<u32> = chunk.iter().skip(1).step_by(2).copied().collect();
            digits.push(char::from(b'0' + u8::try_from(pattern_of(bars_pattern)?).ok()?));
            digits.push(char::from(b'0' + u8::try_from(pattern_of(spaces_pattern)?).ok()?));
        }
        Some(digits)
    }

    #[test]
    fn every_digit_has_two_wide_elements() {
        for pattern in DIGIT_PATTERNS {
            assert_eq!(pattern.iter().filter(|wide| **wide).count(), 2);
        }
    }

    #[test]
    fn barcode_round_trips_through_the_drawing() -> Result<(), PageError> {
        let svg = boleto_barcode_svg(SAMPLE)?;
        assert_eq!(decode(&svg).as_deref(), Some(SAMPLE));
        // 2 start bars, 5 bars per digit pair, 2 stop bars.
        assert_eq!(svg.matches(r##"fill="#000""##).count(), 2 + 22 * 5 + 2);
        assert!(svg.contains(r#"viewBox="0 0 425 50""#), "4 + 22 × 18 + 5 modules plus two quiet zones of 10");
        Ok(())
    }

    #[test]
    fn only_44_digits_are_accepted() {
        assert!(matches!(boleto_barcode_svg("123"), Err(PageError::InvalidBarcode { length: 3 })));
        let letters = format!("{}x", &SAMPLE[..43]);
        assert!(matches!(boleto_barcode_svg(&letters), Err(PageError::InvalidBarcode { length: 44 })));
    }
}
