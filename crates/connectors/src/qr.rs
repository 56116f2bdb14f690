//! QR codes as SVG documents, for the wallet payloads a buyer scans on a checkout
//! page. Error correction level M (15% of the code can be damaged) and a quiet zone,
//! as scanning apps expect.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The smallest rendered width and height in pixels; phone cameras read a code this
/// size from a laptop screen at arm's length.
pub const MIN_DIMENSION_PIXELS: u32 = 220;
/// The largest payload accepted. Wallet payloads are a few hundred bytes; version 40
/// at level M holds 2331 bytes, and anything near that is too dense to scan.
pub const MAX_DATA_BYTES: usize = 1_024;

const DARK_COLOR: &str = "#000";
const LIGHT_COLOR: &str = "#fff";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("QR data is empty")]
    Empty,
    #[error("QR data is {length_bytes} bytes, more than the {MAX_DATA_BYTES} allowed")]
    TooLong { length_bytes: usize },
    #[error("the QR encoder refused the data: {reason}")]
    Encoding { reason: String },
}

/// Renders `data` as a standalone SVG document, dark modules `#000` on `#fff`, at
/// least [`MIN_DIMENSION_PIXELS`] square.
pub fn qr_svg(data: &str) -> Result<String, QrError> {
    if data.is_empty() {
        return Err(QrError::Empty);
    }
    if data.len() > MAX_DATA_BYTES {
        return Err(QrError::TooLong { length_bytes: data.len() });
    }
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|error| QrError::Encoding { reason: error.to_string() })?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(MIN_DIMENSION_PIXELS, MIN_DIMENSION_PIXELS)
        .dark_color(svg::Color(DARK_COLOR))
        .light_color(svg::Color(LIGHT_COLOR))
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the first `name="…"` attribute in the document.
    fn attribute<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
        let start = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        let length = svg[start..].find('"')?;
        Some(&svg[start..start + length])
    }

    #[test]
    fn renders_an_svg_document_of_the_minimum_size() -> Result<(), Box<dyn std::error::Error>> {
        let svg = qr_svg("grabpay://sandbox/pay?attempt=pa_1&amount=1000&currency=SGD")?;
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        let width: u32 = attribute(&svg, "width").ok_or("no width")?.parse()?;
        let height: u32 = attribute(&svg, "height").ok_or("no height")?.parse()?;
        assert!(width >= MIN_DIMENSION_PIXELS && width == height, "{width}x{height}");
        assert!(svg.contains("fill=\"#000\""));
        assert!(svg.contains("fill=\"#fff\""));
        Ok(())
    }

    #[test]
    fn different_data_gives_different_codes() -> Result<(), QrError> {
        assert_ne!(qr_svg("attempt one")?, qr_svg("attempt two")?);
        assert_eq!(qr_svg("same")?, qr_svg("same")?);
        Ok(())
    }

    #[test]
    fn long_data_still_fits_the_minimum_size() -> Result<(), Box<dyn std::error::Error>> {
        let svg = qr_svg(&"0".repeat(MAX_DATA_BYTES))?;
        let width: u32 = attribute(&svg, "width").ok_or("no width")?.parse()?;
        assert!(width >= MIN_DIMENSION_PIXELS);
        Ok(())
    }

    #[test]
    fn refuses_empty_and_oversized_data() {
        assert_eq!(qr_svg(""), Err(QrError::Empty));
        assert_eq!(qr_svg(&"x".repeat(MAX_DATA_BYTES + 1)), Err(QrError::TooLong { length_bytes: MAX_DATA_BYTES + 1 }));
    }
}
