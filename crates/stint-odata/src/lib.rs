//! Parsing and evaluating the OData system query options that Stint supports on its
//! Graph-shaped list endpoints: `$filter`, `$select`, `$expand`, `$top` and `$skiptoken`.
//!
//! The crate is pure: it turns a raw URL query string into [`QueryOptions`], evaluates a
//! [`Filter`] against JSON entities, projects entities with [`apply_select`] and slices
//! result sets with [`page`]. Every refusal is an [`ODataError`] whose message is a
//! complete sentence that can be shown to the API caller as is.

mod error;
mod expand;
mod filter;
mod page;
mod query;
mod select;

pub use error::ODataError;
pub use expand::Expand;
pub use filter::Filter;
pub use page::{page, page_size, skip_offset, Page};
pub use query::{parse_query, Allowed, QueryOptions};
pub use select::{apply_select, validate_select};
