//! The console's static files, compiled into the binary: one stylesheet and the icon.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

pub const CSS_PATH: &str = "/ui/assets/stint.css";
pub const ICON_PATH: &str = "/ui/assets/favicon.svg";

const CSS: &str = include_str!("../assets/stint.css");
const ICON: &str = include_str!("../assets/favicon.svg");

pub async fn css() -> Response {
    asset(CSS, "text/css; charset=utf-8")
}

pub async fn icon() -> Response {
    asset(ICON, "image/svg+xml")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    response
}
