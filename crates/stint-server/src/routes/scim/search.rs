//! `POST /.search` (RFC 7644 §3.4.3): a query in the body instead of the URL, over one resource
//! type or (at the root) over Users and Groups together.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use utoipa_axum::routes;

use super::endpoint;
use super::error::{ScimError, ScimResult};
use super::groups::Groups;
use super::resource::{self, ListQuery};
use super::users::Users;
use super::{ScimBody, ScimCall};
use crate::ApiRouter;

const SEARCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(search_all))
        .routes(routes!(search_users))
        .routes(routes!(search_groups))
}

/// The list query a SearchRequest body asks for: the URL's parameters, written as JSON.
fn query_of(body: &Value) -> ScimResult<ListQuery> {
    let schemas = body.get("schemas").and_then(Value::as_array);
    if schemas.is_some_and(|schemas| !schemas.iter().any(|s| s == SEARCH_SCHEMA)) {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("schemas must be [\"{SEARCH_SCHEMA}\"]."),
        ));
    }
    let mut params = HashMap::new();
    for (key, value) in body.as_object().into_iter().flatten() {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(","),
            _ => continue,
        };
        params.insert(key.clone(), text);
    }
    ListQuery::parse(&params)
}

fn answered(query: ListQuery, resources: Vec<Value>) -> Response {
    resource::answer(StatusCode::OK, query.answer(resources))
}

/// Searches Users and Groups together.
#[utoipa::path(post, path = "/scim/v2/.search", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn search_all(call: ScimCall, ScimBody(body): ScimBody) -> ScimResult<Response> {
    let query = query_of(&body)?;
    let mut resources = endpoint::all::<Users>(&call);
    resources.extend(endpoint::all::<Groups>(&call));
    Ok(answered(query, resources))
}

/// Searches Users.
#[utoipa::path(post, path = "/scim/v2/Users/.search", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn search_users(call: ScimCall, ScimBody(body): ScimBody) -> ScimResult<Response> {
    Ok(answered(query_of(&body)?, endpoint::all::<Users>(&call)))
}

/// Searches Groups.
#[utoipa::path(post, path = "/scim/v2/Groups/.search", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn search_groups(call: ScimCall, ScimBody(body): ScimBody) -> ScimResult<Response> {
    Ok(answered(query_of(&body)?, endpoint::all::<Groups>(&call)))
}
