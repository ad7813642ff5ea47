//! The TOTP enrolment QR code, rendered on the server as SVG and sent as a `data:` image, which the
//! console's CSP allows (`img-src 'self' data:`); no script draws it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// A `data:image/svg+xml` URI of a QR code holding `text`, or `None` if it is too long for one.
pub fn data_uri(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#111111"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(image.as_bytes())
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_otpauth_uri_fits_in_a_qr_code() {
        let uri = super::data_uri("otpauth://totp/Stint:alice%40contoso.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Stint&algorithm=SHA1&digits=6&period=30").unwrap();
        assert!(uri.starts_with("data:image/svg+xml;base64,"));
    }
}
